import { createHash } from 'node:crypto';
import { OpsError } from '../core/errors.js';
import { type ContainerEntry, type EngineEntry, isContainerEntry, type Plan } from '../plan/types.js';
import type { EntryReplacement, UpgradeStrategy } from './types.js';

/** Entry names end in `-<6 hex>` once an upgrade has named them; the stem is what they are called by. */
const HASH_SUFFIX = /-[0-9a-f]{6}$/;

/** The stem of an entry name: `coder-1a2b3c` → `coder`, `coder` → `coder`. */
export function entryStem(name: string): string {
  return name.replace(HASH_SUFFIX, '');
}

/** A name for the new entry: the stem and a short hash of what it runs (Plan names: at most 41 characters). */
export function versionedEntryName(stem: string, entry: Omit<ContainerEntry, 'name' | 'port'>): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([entry.model, entry.args, entry.contextLength, entry.parallel, entry.image ?? '']))
    .digest('hex')
    .slice(0, 6);
  return `${stem.slice(0, 41 - 7).replace(/-+$/, '')}-${hash}`;
}

/** The first port after `from` that neither the Plan nor anything else on the machine holds. */
export function nextFreePort(from: number, used: ReadonlySet<number>): number {
  let port = from + 1;
  while (used.has(port)) port++;
  if (port > 65535) throw new OpsError('no free port left above the Plan’s ports');
  return port;
}

/**
 * The Plan after the switch (pure). Blue/green: each replaced entry gets a new entry (versioned name, a free
 * port) that takes over its aliases — the gateway's role aliases, its own aliases and its stem, so clients that
 * asked for `coder` still find it. Stop-and-swap: the entry keeps its name and port and only what it runs
 * changes (the gateway holds its queue meanwhile, so the same upstream serves the held requests).
 */
export function buildTargetPlan(
  current: Plan,
  replacements: readonly EntryReplacement[],
  strategy: UpgradeStrategy,
  takenPorts: ReadonlySet<number> = new Set(),
): Plan {
  const used = new Set<number>([...takenPorts]);
  for (const e of current.engines) if (isContainerEntry(e)) used.add(e.port);
  if (current.gateway) used.add(current.gateway.port);
  // New ports follow the Plan's own, not whatever else the machine happens to hold.
  let lastPort = Math.max(
    ...current.engines.filter(isContainerEntry).map((e) => e.port),
    current.gateway?.port ?? 0,
  );
  const renamed = new Map<string, string>();
  const engines: EngineEntry[] = current.engines.map((entry) => {
    const r = replacements.find((x) => x.entry === entry.name);
    if (!r) return entry;
    if (!isContainerEntry(entry)) {
      throw new OpsError(`entry ${entry.name} is external: ops does not run it, so it cannot upgrade it`, {
        exitCode: 2,
      });
    }
    const changed = {
      ...entry,
      model: r.model,
      ...(r.contextLength !== undefined ? { contextLength: r.contextLength } : {}),
      ...(r.parallel !== undefined ? { parallel: r.parallel } : {}),
      ...(r.args !== undefined ? { args: r.args } : {}),
      ...(r.image !== undefined ? { image: r.image } : {}),
      ...(r.gpus !== undefined ? { gpus: r.gpus } : {}),
    } as ContainerEntry;
    if (strategy === 'stop-and-swap') return changed;
    const stem = entryStem(entry.name);
    const name = versionedEntryName(stem, changed);
    const port = nextFreePort(lastPort, used);
    used.add(port);
    lastPort = port;
    renamed.set(entry.name, name);
    const aliases = [...new Set([...entry.aliases, ...(stem !== name ? [stem] : [])])];
    return { ...changed, name, port, aliases };
  });
  for (const r of replacements) {
    if (!current.engines.some((e) => e.name === r.entry)) {
      throw new OpsError(`the running Plan has no engine named ${r.entry}`, {
        hint: `engines: ${current.engines.map((e) => e.name).join(', ')}`,
        exitCode: 2,
      });
    }
  }
  const gateway = current.gateway && {
    ...current.gateway,
    aliases: Object.fromEntries(
      Object.entries(current.gateway.aliases).map(([alias, target]) => [
        alias,
        renamed.get(target) ?? target,
      ]),
    ),
  };
  // A data-parallel copy of a replaced entry (planner/replicas.ts) would run the old model under the new one's
  // name: it leaves with the old model, and `ops plan --write` plans copies of the new one again.
  const replaced = new Set(replacements.map((r) => r.entry));
  const kept = engines.filter((e) => !(isContainerEntry(e) && e.replicaOf && replaced.has(e.replicaOf)));
  return { ...current, engines: kept, ...(gateway ? { gateway } : {}) };
}

/**
 * The Plan that runs during a blue/green switch: every current entry (still routed to) plus the new entries,
 * which are started and checked before any alias moves. The gateway section is the current one.
 */
export function unionPlan(current: Plan, target: Plan): Plan {
  const names = new Set(current.engines.map((e) => e.name));
  return { ...current, engines: [...current.engines, ...target.engines.filter((e) => !names.has(e.name))] };
}

/** Entries of `target` that differ from `current` (new, or same name with other settings). */
export function incomingEntries(current: Plan, target: Plan): ContainerEntry[] {
  return target.engines.filter(isContainerEntry).filter((t) => {
    const c = current.engines.find((e) => e.name === t.name);
    return !c || JSON.stringify(c) !== JSON.stringify(t);
  });
}

/** Entries of `current` that `target` no longer has (blue/green drains and removes them). */
export function retiringEntries(current: Plan, target: Plan): EngineEntry[] {
  const names = new Set(target.engines.map((e) => e.name));
  return current.engines.filter((e) => !names.has(e.name));
}
