import type { RouteLocation } from '../types.js';
import type { KvSource } from './kv-usage.js';

/** Where a quality score comes from: the catalog's published figure, or this box's own eval run. */
export type QualitySource = 'catalog' | 'eval';

/** A model's quality as the capacity API reports it (0..1; higher is better). */
export interface QualityFact {
  score: number;
  source: QualitySource;
  /** What the score is, e.g. `SWE-bench Verified (maker)` or `ops eval pass rate, 40 tasks`. */
  detail?: string;
}

/** Where a tokens/s figure comes from: `ops bench` (the ledger's bench_runs) or requests this gateway served. */
export type SpeedSource = 'bench' | 'served';

export interface SpeedFact {
  tokensPerSecond: number;
  source: SpeedSource;
}

/** What the gateway knows about one upstream at one moment; gathered by the capacity service. */
export interface UpstreamCapacityInputs {
  name: string;
  aliases: readonly string[];
  location: RouteLocation;
  slotsTotal: number;
  /** Admitted requests, leased and not. */
  busy: number;
  leasedSlots: number;
  leasedBusy: number;
  leasedQueued: number;
  queuedInteractive: number;
  queuedBackground: number;
  maxQueued: number;
  /** Tokens of context each slot has. */
  contextPerSlot: number;
  /** Moving average of seconds a request holds a slot. */
  serviceTimeS: number;
  held: boolean;
  /** The engine's KV cache use, 0..1, or null when it does not report one. */
  kvUsageRatio: number | null;
  kvSource: KvSource | null;
  speed: SpeedFact | null;
  quality: QualityFact | null;
  activeLeases: number;
}

/** One model in `GET /ops/v1/capacity` (docs/capacity-api.openapi.yaml, `ModelCapacity`). */
export interface ModelCapacity {
  model: string;
  aliases: string[];
  location: RouteLocation;
  slots: { total: number; busy: number; leased: number; leased_busy: number; unleased_free: number };
  queue: { depth: number; interactive: number; background: number; leased: number; max: number };
  leases: number;
  kv_cache: { usage_ratio: number | null; headroom_ratio: number | null; source: KvSource | null };
  tokens_per_second: number | null;
  tokens_per_second_source: SpeedSource | null;
  expected_wait_s: number | null;
  context_per_slot: number;
  quality: { score: number; source: QualitySource; detail: string | null } | null;
  /** Admission is held (a model switch is under way): requests wait until it ends. */
  held: boolean;
}

/**
 * The capacity of one model as a scheduler reads it. Pure. `expected_wait_s` is for work without a lease:
 * 0 when an unleased slot is free and nobody waits, else the queue ahead (plus this request) over the
 * unleased slots times the average service time; null when leases hold every slot (nothing unleased runs
 * until one ends).
 */
export function capacitySnapshot(u: UpstreamCapacityInputs): ModelCapacity {
  const sharedSlots = Math.max(0, u.slotsTotal - u.leasedSlots);
  const sharedBusy = Math.max(0, u.busy - u.leasedBusy);
  const unleasedFree = Math.max(0, Math.min(sharedSlots - sharedBusy, u.slotsTotal - u.busy));
  const depth = u.queuedInteractive + u.queuedBackground;
  let expectedWaitS: number | null;
  if (sharedSlots === 0) expectedWaitS = null;
  else if (unleasedFree > 0 && depth === 0 && !u.held) expectedWaitS = 0;
  else expectedWaitS = round((u.serviceTimeS * (depth + 1)) / sharedSlots, 1);
  return {
    model: u.name,
    aliases: [...u.aliases],
    location: u.location,
    slots: {
      total: u.slotsTotal,
      busy: u.busy,
      leased: u.leasedSlots,
      leased_busy: u.leasedBusy,
      unleased_free: unleasedFree,
    },
    queue: {
      depth,
      interactive: u.queuedInteractive,
      background: u.queuedBackground,
      leased: u.leasedQueued,
      max: u.maxQueued,
    },
    leases: u.activeLeases,
    kv_cache: {
      usage_ratio: u.kvUsageRatio,
      headroom_ratio: u.kvUsageRatio === null ? null : round(1 - u.kvUsageRatio, 4),
      source: u.kvUsageRatio === null ? null : u.kvSource,
    },
    tokens_per_second: u.speed ? round(u.speed.tokensPerSecond, 1) : null,
    tokens_per_second_source: u.speed?.source ?? null,
    expected_wait_s: expectedWaitS,
    context_per_slot: u.contextPerSlot,
    quality: u.quality
      ? { score: u.quality.score, source: u.quality.source, detail: u.quality.detail ?? null }
      : null,
    held: u.held,
  };
}

/** The fields a scheduler acts on, for telling whether a model's capacity changed (SSE events). */
export function capacityChanged(a: ModelCapacity | undefined, b: ModelCapacity): boolean {
  if (!a) return true;
  return (
    a.slots.busy !== b.slots.busy ||
    a.slots.leased !== b.slots.leased ||
    a.slots.leased_busy !== b.slots.leased_busy ||
    a.slots.total !== b.slots.total ||
    a.queue.depth !== b.queue.depth ||
    a.queue.leased !== b.queue.leased ||
    a.leases !== b.leases ||
    a.held !== b.held
  );
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
