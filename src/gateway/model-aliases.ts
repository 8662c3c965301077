import type { UpstreamDescriptor } from './types.js';

/** A Claude model-name fragment and the gateway alias it routes to, with the queue priority it gets. */
export interface ClaudeTierRule {
  contains: string;
  alias: string;
  priority: 'interactive' | 'background';
}

/**
 * Claude Code asks for Claude model names; the tier decides the local alias. Haiku-tier calls are its own
 * housekeeping (titles, summaries, topic checks), so they wait behind interactive work.
 */
export const DEFAULT_CLAUDE_TIERS: readonly ClaudeTierRule[] = [
  { contains: 'opus', alias: 'quality', priority: 'interactive' },
  { contains: 'sonnet', alias: 'quality', priority: 'interactive' },
  { contains: 'haiku', alias: 'fast', priority: 'background' },
];

/**
 * The alias table: model name → upstream name. Entry names and entry aliases route to their entry; the
 * Plan's gateway aliases (alias → entry name) are added last and win on a clash, as the more specific setting.
 */
export function buildAliasTable(
  upstreams: readonly Pick<UpstreamDescriptor, 'name' | 'aliases'>[],
  gatewayAliases: Readonly<Record<string, string>> = {},
): Map<string, string> {
  const table = new Map<string, string>();
  for (const u of upstreams) {
    table.set(u.name, u.name);
    for (const alias of u.aliases) if (!table.has(alias)) table.set(alias, u.name);
  }
  const names = new Set(upstreams.map((u) => u.name));
  for (const [alias, target] of Object.entries(gatewayAliases))
    if (names.has(target)) table.set(alias, target);
  return table;
}

/** The Claude tier a model name belongs to, if any (case-insensitive substring match). */
export function claudeTierOf(model: string, tiers: readonly ClaudeTierRule[]): ClaudeTierRule | undefined {
  const lower = model.toLowerCase();
  return tiers.find((t) => lower.includes(t.contains));
}
