/**
 * Rows of the ledger. Times are milliseconds since the epoch (UTC) everywhere; days are UTC days.
 */

/** Where a power reading comes from: a GPU, a CPU package (RAPL), the rest of the system, or the wall (a plug). */
export type PowerSource = 'gpu' | 'cpu' | 'rest' | 'wall';
export const POWER_SOURCES: readonly PowerSource[] = ['gpu', 'cpu', 'rest', 'wall'];

/** One power reading of one device. Either or both of instantaneous power and a cumulative energy counter. */
export interface PowerSample {
  tsMs: number;
  source: PowerSource;
  /** `gpu0`…, a GPU UUID, `package-0`, `rest`, `plug`. */
  device: string;
  powerW: number | null;
  /** A cumulative energy counter in joules (DCGM total energy, RAPL energy_uj); resets when it decreases. */
  energyJ: number | null;
}

/** One probe of one target (the gateway, an engine). */
export interface ProbeResult {
  tsMs: number;
  target: string;
  ok: boolean;
  latencyMs: number | null;
  /** Why it failed (connection refused, HTTP 503, timeout); null when ok. */
  error: string | null;
}

/** One request served by the gateway (the gateway's UsageRecord, flattened for storage). */
export interface UsageRow {
  tsMs: number;
  api: string;
  model: string;
  upstream: string;
  route: 'local' | 'cloud';
  /** The whole prompt, cache reads and writes included. */
  inputTokens: number;
  /** Prompt tokens read from a prompt cache (engine KV reuse, Anthropic `cache_read_input_tokens`); 0 when unknown. */
  cacheReadTokens: number;
  /** Prompt tokens written to the cloud's prompt cache (Anthropic `cache_creation_input_tokens`); 0 when none. */
  cacheWriteTokens: number;
  outputTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  status: number;
  /** Why the hybrid policy routed it so, and the task rule involved (gateway usage records); absent: not recorded. */
  routeReason?: string | null;
  routeRule?: string | null;
  /** Set for imported rows so importing the same file twice adds nothing; null for live gateway records. */
  dedupKey: string | null;
}

/** The kinds of upgrade event (src/upgrade/upgrade-events.ts writes them). */
export const UPGRADE_EVENT_KINDS = [
  'upgrade:start',
  'upgrade:switched',
  'upgrade:rolled-back',
  'upgrade:failed',
] as const;
export type UpgradeEventKind = (typeof UPGRADE_EVENT_KINDS)[number];

/** One event of an upgrade or rollback attempt (a row of the `events` table). */
export interface UpgradeEventRow {
  tsMs: number;
  kind: UpgradeEventKind;
  /** Same for every event of one attempt. */
  attemptId: string;
  deployment: string;
  action: 'upgrade' | 'rollback';
  strategy: string;
  /** What the kind carries: `changes` (start), `from`/`to` (switched), `reason` (rolled back, failed), `durationMs`. */
  detail: {
    changes?: string[];
    from?: string[];
    to?: string[];
    reason?: string;
    durationMs?: number;
  };
}

/** Energy of one device in one 15-minute bucket (a rollup row). */
export interface EnergyBucket {
  bucketMs: number;
  source: PowerSource;
  device: string;
  energyWh: number;
  /** Seconds of the bucket covered by readings (the rest of the bucket is unknown, not zero). */
  measuredS: number;
}

/** Probe slots of one target in one UTC day (a rollup row). */
export interface ProbeDay {
  dayMs: number;
  target: string;
  intervalS: number;
  /** Start of the first expected slot in the day (later than the day's start on the day monitoring began). */
  fromMs: number;
  /** Slots that should have a probe (after monitoring started, before now). */
  expectedSlots: number;
  upSlots: number;
}

/** A maximal run of down slots within one UTC day; runs that touch across midnight are merged by the report. */
export interface IncidentPiece {
  target: string;
  startMs: number;
  endMs: number;
  /** Distinct causes seen, most frequent first; `no probe recorded` when nothing was written (box or agent off). */
  causes: string[];
}

export const DAY_MS = 86_400_000;
/**
 * Energy rollups are kept per 15 minutes, not per day, so time-of-use bands can be priced after the fact and
 * time zones with :30/:45 offsets still fall on bucket edges.
 */
export const ENERGY_BUCKET_MS = 900_000;
export const NO_PROBE_CAUSE = 'no probe recorded (box or agent off)';

export const dayStart = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
