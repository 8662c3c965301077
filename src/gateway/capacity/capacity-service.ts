import type { IncomingMessage } from 'node:http';
import { slotContextTokens } from '../context-limits.js';
import { GatewayError } from '../gateway-error.js';
import type { TaskKind } from '../hybrid/task-rules.js';
import type { UsageRecord } from '../types.js';
import type { Upstream, UpstreamPool } from '../upstream-pool.js';
import {
  capacityChanged,
  capacitySnapshot,
  type ModelCapacity,
  type QualityFact,
} from './capacity-snapshot.js';
import { type KvSource, kvUsageFromMetrics, kvUsageFromSlots } from './kv-usage.js';
import { type CapacityLease, LeaseBook, type LeaseGrant, type LeaseLimits } from './lease-book.js';
import { ServedSpeed } from './served-speed.js';

/** Header that marks a request as work under a capacity lease. */
export const LEASE_HEADER = 'x-ops-lease';

/**
 * What the gateway cannot measure itself, per upstream (Plan entry name): the model's quality (catalog figure
 * or this box's eval) and its decode speed from `ops bench` (the ledger's bench_runs). Whoever starts the
 * gateway passes them; without them quality is null and speed comes from the streams served.
 */
export interface CapacityFacts {
  quality?: QualityFact;
  benchTokensPerSecond?: number;
  /** `ops eval` pass rates (0..1) by kind of task, for the task rules' `localPassRateBelow`. */
  evalPassRates?: Partial<Record<TaskKind, number>>;
}

/** A lease as the API shows it. */
export interface LeaseView {
  id: string;
  model: string;
  slots: number;
  granted_at: string;
  expires_at: string;
}

/** One event of `GET /ops/v1/capacity/events`. */
export type CapacityEvent =
  | { kind: 'capacity'; capacity: ModelCapacity }
  | { kind: 'lease'; action: 'granted' | 'released' | 'expired'; lease: LeaseView };

/** How often capacity is compared while someone listens to the event stream. */
const EVENT_TICK_MS = 200;
/** How long an engine's KV figure is reused before `/metrics` is read again. */
const KV_MAX_AGE_MS = 2000;

/**
 * The capacity pool: leases (applied to the upstreams' admission queues), measured speed, the engines' KV
 * figures, and the event stream. The decisions are in `LeaseBook` and `capacitySnapshot`; this wires them.
 */
export class CapacityService {
  private readonly book: LeaseBook;
  private readonly speed = new ServedSpeed();
  private readonly kv = new Map<string, { ratio: number | null; source: KvSource | null; atMs: number }>();
  private readonly listeners = new Set<(event: CapacityEvent) => void>();
  private readonly closers = new Map<(event: CapacityEvent) => void, () => void>();
  private readonly lastSent = new Map<string, ModelCapacity>();
  private expiryTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: () => UpstreamPool,
    private readonly maxQueued: number,
    facts: Readonly<Record<string, CapacityFacts>> | (() => Readonly<Record<string, CapacityFacts>>) = {},
    limits?: LeaseLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.book = new LeaseBook(limits);
    this.facts = typeof facts === 'function' ? facts : () => facts;
  }

  /** Facts as given, or read anew (a file the host rewrites after `ops bench` / `ops eval`). */
  private readonly facts: () => Readonly<Record<string, CapacityFacts>>;

  /** Takes a usage record into the measured speed. */
  observe(record: UsageRecord): void {
    this.speed.observe(record);
  }

  /** The local model's eval pass rate for a kind of task, when one was given. */
  evalPassRate(upstream: string, kind: TaskKind): number | undefined {
    return this.facts()[upstream]?.evalPassRates?.[kind];
  }

  /** Every model's capacity now (KV figures as last read). */
  snapshot(): ModelCapacity[] {
    return this.pool()
      .all()
      .map((u) => this.capacityOf(u));
  }

  /**
   * Reads each engine's KV use (at most every 2 s; 500 ms each, in parallel): the `/metrics` gauge where the
   * engine exports one, else llama-server's `/slots`.
   */
  async refreshKv(): Promise<void> {
    // Concurrent callers share one round of reads instead of each asking every engine again.
    this.kvRefresh ??= this.readStaleKv().finally(() => {
      this.kvRefresh = undefined;
    });
    return this.kvRefresh;
  }

  private kvRefresh: Promise<void> | undefined;

  private async readStaleKv(): Promise<void> {
    const stale = this.pool()
      .all()
      .filter((u) => u.descriptor.engine === 'llama.cpp' || u.descriptor.engine === 'vllm')
      .filter((u) => this.now() - (this.kv.get(u.name)?.atMs ?? 0) > KV_MAX_AGE_MS);
    await Promise.all(
      stale.map(async (u) => {
        let ratio: number | null = null;
        let source: KvSource | null = null;
        try {
          const metrics = await getText(u, '/metrics');
          ratio = metrics === undefined ? null : kvUsageFromMetrics(metrics);
          if (ratio !== null) source = 'metrics';
          else if (u.descriptor.engine === 'llama.cpp') {
            const slots = await getText(u, '/slots');
            ratio = slots === undefined ? null : kvUsageFromSlots(JSON.parse(slots));
            if (ratio !== null) source = 'slots';
          }
        } catch {
          // No figure is an answer: the API says null, and the request that asked is not failed for it.
        }
        this.kv.set(u.name, { ratio, source, atMs: this.now() });
      }),
    );
  }

  /** Grants a lease of `slots` slots of `upstream` for `ttlS` seconds and reserves them in its admission queue. */
  grant(upstream: Upstream, slots: number, ttlS: number): LeaseGrant {
    this.expire();
    const result = this.book.grant(
      { upstream: upstream.name, slots, ttlS, totalSlots: upstream.queue.slots },
      this.now(),
    );
    if (!result.granted) return result;
    upstream.queue.reserve(result.lease.id, slots);
    this.scheduleExpiry();
    this.emit({ kind: 'lease', action: 'granted', lease: this.view(result.lease) });
    this.emitChanges();
    return result;
  }

  /** Ends a lease early; false when no such lease is in force. */
  release(id: string): boolean {
    this.expire();
    const lease = this.book.release(id, this.now());
    if (!lease) return false;
    this.unreserve(lease);
    this.emit({ kind: 'lease', action: 'released', lease: this.view(lease) });
    this.emitChanges();
    return true;
  }

  /**
   * After a Plan reload: leases of an upstream that left the Plan end (`released`); those of a re-created one
   * reserve its new admission queue again (one updated in place kept its queue and reservations).
   */
  afterReload(): void {
    const now = this.now();
    for (const lease of this.book.active(now)) {
      const upstream = this.pool()
        .all()
        .find((u) => u.name === lease.upstream);
      if (upstream) upstream.queue.reserve(lease.id, lease.slots);
      else {
        this.book.release(lease.id, now);
        this.emit({ kind: 'lease', action: 'released', lease: this.view(lease) });
      }
    }
    this.emitChanges();
  }

  /** The leases in force. */
  leases(): LeaseView[] {
    return this.book.active(this.now()).map((l) => this.view(l));
  }

  /**
   * The lease a request names in `x-ops-lease`, checked against where it routes; undefined when it names none.
   * A lease that ended or belongs to another model is a clear error rather than silently shared work.
   */
  leaseFor(req: IncomingMessage, upstream: string): string | undefined {
    const header = req.headers[LEASE_HEADER];
    const id = Array.isArray(header) ? header[0] : header;
    if (id === undefined || id === '') return undefined;
    this.expire();
    const lease = this.book.get(id, this.now());
    if (!lease)
      throw new GatewayError('not_found', `capacity lease ${id.slice(0, 80)} is unknown or has ended`);
    if (lease.upstream !== upstream) {
      throw new GatewayError(
        'invalid_request',
        `capacity lease ${id} holds slots of ${lease.upstream}, but this request routes to ${upstream}`,
      );
    }
    return id;
  }

  /**
   * Calls `listener` with every capacity change and lease event until the returned function is called;
   * `onClose` when the gateway shuts down (an event stream never ends by itself, and would hold the server open).
   */
  subscribe(listener: (event: CapacityEvent) => void, onClose?: () => void): () => void {
    this.listeners.add(listener);
    if (onClose) this.closers.set(listener, onClose);
    if (!this.tickTimer) {
      this.tickTimer = setInterval(() => {
        this.expire();
        this.emitChanges();
      }, EVENT_TICK_MS);
      this.tickTimer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(listener);
      if (this.listeners.size === 0 && this.tickTimer) {
        clearInterval(this.tickTimer);
        this.tickTimer = undefined;
      }
    };
  }

  close(): void {
    clearTimeout(this.expiryTimer);
    clearInterval(this.tickTimer);
    const closers = [...this.closers.values()];
    this.listeners.clear();
    this.closers.clear();
    for (const close of closers) close();
  }

  private capacityOf(u: Upstream): ModelCapacity {
    const q = u.queue;
    const facts = this.facts()[u.name];
    const served = this.speed.tokensPerSecond(u.name);
    const speed =
      facts?.benchTokensPerSecond !== undefined
        ? { tokensPerSecond: facts.benchTokensPerSecond, source: 'bench' as const }
        : served !== undefined
          ? { tokensPerSecond: served, source: 'served' as const }
          : null;
    return capacitySnapshot({
      name: u.name,
      aliases: u.descriptor.aliases,
      location: u.descriptor.location ?? 'local',
      slotsTotal: q.slots,
      busy: q.activeCount,
      leasedSlots: q.reservedSlots,
      leasedBusy: q.reservedActive,
      leasedQueued: q.reservedQueued,
      queuedInteractive: q.queuedCount('interactive'),
      queuedBackground: q.queuedCount('background'),
      maxQueued: this.maxQueued,
      contextPerSlot: slotContextTokens(u.descriptor),
      serviceTimeS: q.serviceTimeSeconds,
      held: q.isHeld,
      kvUsageRatio: this.kv.get(u.name)?.ratio ?? null,
      kvSource: this.kv.get(u.name)?.source ?? null,
      speed,
      quality: facts?.quality ?? null,
      activeLeases: this.book.active(this.now()).filter((l) => l.upstream === u.name).length,
    });
  }

  private expire(): void {
    for (const lease of this.book.expire(this.now())) {
      this.unreserve(lease);
      this.emit({ kind: 'lease', action: 'expired', lease: this.view(lease) });
    }
  }

  private unreserve(lease: CapacityLease): void {
    const upstream = this.pool()
      .all()
      .find((u) => u.name === lease.upstream);
    upstream?.queue.unreserve(lease.id);
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const next = this.book.nextExpiryMs();
    if (next === undefined) return;
    this.expiryTimer = setTimeout(
      () => {
        this.expire();
        this.emitChanges();
        this.scheduleExpiry();
      },
      Math.max(0, next - this.now()),
    );
    this.expiryTimer.unref();
  }

  private emitChanges(): void {
    if (this.listeners.size === 0) return;
    for (const capacity of this.snapshot()) {
      if (!capacityChanged(this.lastSent.get(capacity.model), capacity)) continue;
      this.lastSent.set(capacity.model, capacity);
      this.emit({ kind: 'capacity', capacity });
    }
  }

  private emit(event: CapacityEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private view(l: CapacityLease): LeaseView {
    return {
      id: l.id,
      model: l.upstream,
      slots: l.slots,
      granted_at: new Date(l.grantedAtMs).toISOString(),
      expires_at: new Date(l.expiresAtMs).toISOString(),
    };
  }
}

/** The body of a GET at the engine's root, or undefined when it does not answer 200. */
async function getText(u: Upstream, path: string): Promise<string | undefined> {
  const res = await u.getRoot(path, AbortSignal.timeout(500));
  const text = await res.text(4 * 1024 * 1024);
  return res.status === 200 ? text : undefined;
}
