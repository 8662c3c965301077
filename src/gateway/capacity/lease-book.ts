import { randomUUID } from 'node:crypto';

/** Slots of one model reserved for a scheduler until `expiresAtMs` (`POST /ops/v1/leases`). */
export interface CapacityLease {
  id: string;
  /** The upstream (Plan entry) whose slots are held. */
  upstream: string;
  slots: number;
  grantedAtMs: number;
  expiresAtMs: number;
}

/** What a lease request asks for, and the model's slot count at that moment. */
export interface LeaseRequest {
  upstream: string;
  slots: number;
  ttlS: number;
  /** All slots the upstream has (its `parallel`). */
  totalSlots: number;
}

/**
 * A refusal: 409 when the request can never be granted as asked (more slots than the model has, or than a
 * lease may take), 429 when other leases hold the slots now (`retryAfterS`: when the first of them ends).
 */
export interface LeaseRefusal {
  status: 409 | 429;
  message: string;
  retryAfterS?: number;
}

export type LeaseGrant = { granted: true; lease: CapacityLease } | ({ granted: false } & LeaseRefusal);

/** Bounds on what one lease may ask for. */
export interface LeaseLimits {
  /** Longest lease (default one hour: a scheduler renews by asking again). */
  maxTtlS: number;
}

export const DEFAULT_LEASE_LIMITS: LeaseLimits = { maxTtlS: 3600 };

/**
 * The leases in force, per upstream. Pure bookkeeping: time comes in as an argument and nothing here touches
 * the admission queues; the caller applies grants, releases and expiries to them.
 */
export class LeaseBook {
  private readonly leases = new Map<string, CapacityLease>();

  constructor(
    readonly limits: LeaseLimits = DEFAULT_LEASE_LIMITS,
    private readonly newId: () => string = () => `lease_${randomUUID()}`,
  ) {}

  /** Grants the lease when enough unleased slots exist at `nowMs`; otherwise says why not. */
  grant(request: LeaseRequest, nowMs: number): LeaseGrant {
    const { upstream, slots, ttlS, totalSlots } = request;
    if (slots > totalSlots) {
      return {
        granted: false,
        status: 409,
        message: `${upstream} has ${totalSlots} slot${totalSlots === 1 ? '' : 's'}; a lease of ${slots} can never be granted`,
      };
    }
    if (ttlS > this.limits.maxTtlS) {
      return {
        granted: false,
        status: 409,
        message: `ttl_s ${ttlS} is longer than the longest lease (${this.limits.maxTtlS} s); ask again to renew`,
      };
    }
    const held = this.active(nowMs).filter((l) => l.upstream === upstream);
    const leased = held.reduce((n, l) => n + l.slots, 0);
    const free = totalSlots - leased;
    if (slots > free) {
      // Slots come back as leases end, soonest first: wait until enough have.
      const byEnd = [...held].sort((a, b) => a.expiresAtMs - b.expiresAtMs);
      let available = free;
      let at = nowMs;
      for (const l of byEnd) {
        available += l.slots;
        at = l.expiresAtMs;
        if (available >= slots) break;
      }
      return {
        granted: false,
        status: 429,
        message: `${leased} of ${upstream}'s ${totalSlots} slots are leased; ${free} free, ${slots} asked`,
        retryAfterS: Math.max(1, Math.ceil((at - nowMs) / 1000)),
      };
    }
    const lease: CapacityLease = {
      id: this.newId(),
      upstream,
      slots,
      grantedAtMs: nowMs,
      expiresAtMs: nowMs + ttlS * 1000,
    };
    this.leases.set(lease.id, lease);
    return { granted: true, lease };
  }

  /** The lease with this id if it is still in force at `nowMs`. */
  get(id: string, nowMs: number): CapacityLease | undefined {
    const lease = this.leases.get(id);
    return lease && lease.expiresAtMs > nowMs ? lease : undefined;
  }

  /** Ends a lease early; returns it, or undefined when there was none in force. */
  release(id: string, nowMs: number): CapacityLease | undefined {
    const lease = this.get(id, nowMs);
    this.leases.delete(id);
    return lease;
  }

  /** Removes and returns the leases that have ended by `nowMs`. */
  expire(nowMs: number): CapacityLease[] {
    const ended = [...this.leases.values()].filter((l) => l.expiresAtMs <= nowMs);
    for (const l of ended) this.leases.delete(l.id);
    return ended;
  }

  /** Leases in force at `nowMs`. */
  active(nowMs: number): CapacityLease[] {
    return [...this.leases.values()].filter((l) => l.expiresAtMs > nowMs);
  }

  /** When the next lease ends, if any. */
  nextExpiryMs(): number | undefined {
    let next: number | undefined;
    for (const l of this.leases.values())
      if (next === undefined || l.expiresAtMs < next) next = l.expiresAtMs;
    return next;
  }
}
