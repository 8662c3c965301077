import { buildAliasTable } from '../gateway/model-aliases.js';
import { upstreamsFromPlan } from '../gateway/upstreams-from-plan.js';
import type { Plan } from '../plan/types.js';

/** The Claude model tiers Claude Code lets an environment map (ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL). */
export interface TierModels {
  opus: string;
  sonnet: string;
  haiku: string;
}

/**
 * The gateway's models for Claude Code's tiers: `quality` for opus and sonnet and `fast` for haiku (its
 * own housekeeping: titles, summaries) where the Plan has those aliases, else the Plan's first engine.
 */
export function tierModelsFromPlan(plan: Plan): TierModels {
  const table = buildAliasTable(upstreamsFromPlan(plan, {}), plan.gateway?.aliases ?? {});
  const first = plan.engines[0]!.name;
  const quality = table.has('quality') ? 'quality' : first;
  return { opus: quality, sonnet: quality, haiku: table.has('fast') ? 'fast' : quality };
}

/** The same choice from the model ids a running gateway lists (`GET /v1/models`), when there is no Plan. */
export function tierModelsFromIds(ids: readonly string[]): TierModels | undefined {
  if (ids.length === 0) return undefined;
  const quality = ids.includes('quality') ? 'quality' : ids[0]!;
  return { opus: quality, sonnet: quality, haiku: ids.includes('fast') ? 'fast' : quality };
}

/** The gateway's base URL as a client on this host reaches it. */
export function gatewayUrlFromPlan(plan: Plan): string | undefined {
  const g = plan.gateway;
  if (!g || g.enabled === false) return undefined;
  const host =
    g.host === '0.0.0.0' || g.host === '::' ? '127.0.0.1' : g.host.includes(':') ? `[${g.host}]` : g.host;
  return `http://${host}:${g.port}`;
}

/**
 * Claude Code's environment for a local gateway (DESIGN.md §4, Claude Code's settings docs): base URL and
 * token; the tier mapping; no telemetry, error reports, auto-update or other calls home (the box is
 * offline); and a request timeout that fits local speeds — a CPU or small-GPU engine can take minutes to
 * read Claude Code's ~20K-token first prompt, past the default.
 */
export function claudeEnv(input: { url: string; token: string; models: TierModels }): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: input.url,
    ANTHROPIC_AUTH_TOKEN: input.token,
    ANTHROPIC_DEFAULT_OPUS_MODEL: input.models.opus,
    ANTHROPIC_DEFAULT_SONNET_MODEL: input.models.sonnet,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: input.models.haiku,
    ANTHROPIC_SMALL_FAST_MODEL: input.models.haiku,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    API_TIMEOUT_MS: '900000',
  };
}

/** `export NAME='value'` lines for POSIX shells. */
export function shellExports(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join('\n');
}
