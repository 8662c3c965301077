import type { ContainerEntry } from '../plan/types.js';

/**
 * How a switch happens. Blue/green starts the new engine beside the old one and moves the aliases once it has
 * passed its checks; stop-and-swap holds the gateway's queue while the old engine stops and the new one starts
 * in its place (for when both do not fit in memory at once).
 */
export const UPGRADE_STRATEGIES = ['blue-green', 'stop-and-swap'] as const;
export type UpgradeStrategy = (typeof UPGRADE_STRATEGIES)[number];

/** One engine entry of the running Plan to be replaced, and what replaces it. */
export interface EntryReplacement {
  /** Name of the entry in the current Plan. */
  entry: string;
  /** The new model file (absolute path). */
  model: string;
  contextLength?: number;
  parallel?: number;
  args?: string[];
  image?: string;
  gpus?: ContainerEntry['gpus'];
  /** Whether the catalog says the new model makes tool calls (the smoke check then asks for one). */
  supportsTools?: boolean;
  /** Planner's predicted memory for the new engine, for the fits-beside decision. */
  predicted?: PredictedMemory;
  /** What a person reads: `ops-smoke-tiny Q8_0`. */
  label?: string;
}

/** Memory an engine needs: bytes per GPU index, and bytes of host RAM. */
export interface PredictedMemory {
  gpuBytes: Record<number, number>;
  cpuBytes: number;
}

/** One line of an upgrade-event NDJSON file (`$OPS_HOME/spool/events/upgrades.ndjson`), for the ledger. */
export interface UpgradeRecord {
  /** ISO-8601 time of the event. */
  ts: string;
  kind: 'upgrade:start' | 'upgrade:switched' | 'upgrade:rolled-back' | 'upgrade:failed';
  /** Same for every event of one attempt. */
  id: string;
  deployment: string;
  action: 'upgrade' | 'rollback';
  strategy: UpgradeStrategy;
  /** upgrade:start: one line per change, `quality-coder: coder (smoke.gguf) → coder-1a2b3c (smoke-Q8_0.gguf)`. */
  changes?: string[];
  /** upgrade:switched: entry names served before and after. */
  from?: string[];
  to?: string[];
  /** upgrade:rolled-back / upgrade:failed: why. */
  reason?: string;
  durationMs?: number;
}
