import { clampRetryAfterS, GatewayError } from './gateway-error.js';
import type { Priority } from './types.js';

/** A held slot; call `release()` exactly once (extra calls are ignored). */
export interface Lease {
  release(): void;
  /** Milliseconds spent waiting in the queue (0 when admitted at once). */
  waitedMs: number;
}

interface Waiter {
  priority: Priority;
  enqueuedAt: number;
  resolve: (lease: Lease) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/** Slots set aside for one capacity lease (`POST /ops/v1/leases`): only requests carrying its id use them. */
interface Reservation {
  slots: number;
  active: number;
  waiters: Waiter[];
}

/**
 * Concurrency slots of one upstream with a bounded two-priority FIFO queue. Interactive waiters are always
 * admitted before background ones. A full queue refuses at once (the client retries with backoff) rather
 * than piling up work the engine cannot serve.
 *
 * Slots may be reserved for capacity leases (`reserve`): work under a lease takes only its lease's slots and
 * waits, if at all, only behind its own lease's work and requests already running; everyone else shares the
 * slots no lease holds, and a freed slot goes to a lease's waiter before the shared queue.
 */
export class AdmissionQueue {
  private active = 0;
  /** Admitted requests that hold no live reservation's slot. */
  private sharedActive = 0;
  private readonly reservations = new Map<string, Reservation>();
  private readonly interactive: Waiter[] = [];
  private readonly background: Waiter[] = [];
  /** Rough seconds one request holds a slot, for `retry-after`; updated from observed service times. */
  private serviceTimeS = 5;
  /** While held, every request waits in the queue (a model switch is under way); see `hold`. */
  private held = false;

  constructor(
    private slotCount: number,
    readonly maxQueued: number,
  ) {}

  get slots(): number {
    return this.slotCount;
  }

  /** The moving average of seconds one request holds a slot (what `retry-after` is computed from). */
  get serviceTimeSeconds(): number {
    return this.serviceTimeS;
  }

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Holds (true) or releases (false) admission: while held, new requests wait in the queue even when slots are
   * free, and requests already admitted finish. Releasing admits the waiters in order.
   */
  hold(held: boolean): void {
    this.held = held;
    if (!held) this.admitNext();
  }

  /** Changes the slot count (a reloaded Plan gave the engine other `--parallel` slots). */
  setSlots(slots: number): void {
    this.slotCount = slots;
    this.admitNext();
  }

  get activeCount(): number {
    return this.active;
  }

  /** Slots held by live reservations. */
  get reservedSlots(): number {
    let n = 0;
    for (const r of this.reservations.values()) n += r.slots;
    return n;
  }

  /** Admitted requests running in reserved slots. */
  get reservedActive(): number {
    let n = 0;
    for (const r of this.reservations.values()) n += r.active;
    return n;
  }

  /** Requests waiting for a reservation's slots. */
  get reservedQueued(): number {
    let n = 0;
    for (const r of this.reservations.values()) n += r.waiters.length;
    return n;
  }

  /** Slots everyone without a lease shares. */
  get sharedSlots(): number {
    return Math.max(0, this.slotCount - this.reservedSlots);
  }

  /** Sets `slots` aside for lease `id` (or resizes its reservation). Running requests are not interrupted. */
  reserve(id: string, slots: number): void {
    const existing = this.reservations.get(id);
    if (existing) existing.slots = slots;
    else this.reservations.set(id, { slots, active: 0, waiters: [] });
    this.admitNext();
  }

  /**
   * Ends lease `id`'s reservation: its running requests finish as shared work, and its waiters join the
   * front of the interactive queue (they were promised a slot; they do not start over at the back).
   */
  unreserve(id: string): void {
    const r = this.reservations.get(id);
    if (!r) return;
    this.reservations.delete(id);
    this.sharedActive += r.active;
    this.interactive.unshift(...r.waiters);
    this.admitNext();
  }

  queuedCount(priority?: Priority): number {
    if (priority === 'interactive') return this.interactive.length;
    if (priority === 'background') return this.background.length;
    return this.interactive.length + this.background.length;
  }

  /**
   * Takes a slot, waiting in the queue if all are busy. Throws an `overloaded` GatewayError at once when the
   * queue is full; rejects with the signal's reason if the client goes away while waiting. `onQueued` is
   * called synchronously when the request has to wait (streams start sending pings then).
   */
  acquire(
    priority: Priority,
    signal?: AbortSignal,
    onQueued?: () => void,
    reservationId?: string,
  ): Promise<Lease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const reservation = reservationId === undefined ? undefined : this.reservations.get(reservationId);
    if (reservationId !== undefined && !reservation)
      return Promise.reject(
        new GatewayError('not_found', `capacity lease ${reservationId} is unknown here or has ended`),
      );
    if (reservation && reservationId !== undefined) {
      if (reservation.waiters.length === 0 && this.canAdmitReserved(reservation)) {
        reservation.active++;
        this.active++;
        return Promise.resolve(this.lease(Date.now(), Date.now(), reservationId));
      }
      if (reservation.waiters.length >= this.maxQueued) {
        return Promise.reject(
          new GatewayError(
            'overloaded',
            `capacity lease ${reservationId}: all ${reservation.slots} leased slots busy and ${this.maxQueued} of its requests waiting`,
            { retryAfterS: clampRetryAfterS(this.serviceTimeS) },
          ),
        );
      }
      return this.wait(reservation.waiters, priority, signal, onQueued);
    }
    if (this.queuedCount() === 0 && this.canAdmitShared()) {
      this.active++;
      this.sharedActive++;
      return Promise.resolve(this.lease(Date.now(), Date.now()));
    }
    if (this.queuedCount() >= this.maxQueued) {
      const retryAfterS = clampRetryAfterS(
        (this.serviceTimeS * (this.queuedCount() + 1)) / Math.max(1, this.sharedSlots),
      );
      return Promise.reject(
        new GatewayError(
          'overloaded',
          this.reservedSlots > 0
            ? `all ${this.sharedSlots} unleased slots busy (${this.reservedSlots} of ${this.slots} are leased) and ${this.maxQueued} requests queued; retry later`
            : `all ${this.slots} slots busy and ${this.maxQueued} requests queued; retry later`,
          {
            retryAfterS,
          },
        ),
      );
    }
    return this.wait(
      priority === 'interactive' ? this.interactive : this.background,
      priority,
      signal,
      onQueued,
    );
  }

  private canAdmitShared(): boolean {
    return !this.held && this.active < this.slotCount && this.sharedActive < this.sharedSlots;
  }

  private canAdmitReserved(r: Reservation): boolean {
    return !this.held && this.active < this.slotCount && r.active < r.slots;
  }

  private wait(
    queue: Waiter[],
    priority: Priority,
    signal: AbortSignal | undefined,
    onQueued: (() => void) | undefined,
  ): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        // Searched everywhere: an ended reservation moves its waiters to the interactive queue.
        for (const q of [
          this.interactive,
          this.background,
          ...[...this.reservations.values()].map((r) => r.waiters),
        ]) {
          const at = q.indexOf(waiter);
          if (at >= 0) q.splice(at, 1);
        }
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        priority,
        enqueuedAt: Date.now(),
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      onQueued?.();
    });
  }

  private lease(enqueuedAt: number, admittedAt: number, reservationId?: string): Lease {
    let released = false;
    return {
      waitedMs: admittedAt - enqueuedAt,
      release: () => {
        if (released) return;
        released = true;
        // An exponential moving average of slot hold times keeps retry-after honest without a histogram.
        this.serviceTimeS = this.serviceTimeS * 0.8 + ((Date.now() - admittedAt) / 1000) * 0.2;
        this.active--;
        // A reservation that ended while this request ran moved its count to the shared slots.
        const r = reservationId === undefined ? undefined : this.reservations.get(reservationId);
        if (r) r.active--;
        else this.sharedActive--;
        this.admitNext();
      },
    };
  }

  private admitNext(): void {
    // Leased work first: a lease's waiters wait only for slots already running, never behind the shared queue.
    for (const [id, r] of this.reservations) {
      while (r.waiters.length > 0 && this.canAdmitReserved(r)) {
        const next = r.waiters.shift()!;
        next.cleanup();
        r.active++;
        this.active++;
        next.resolve(this.lease(next.enqueuedAt, Date.now(), id));
      }
    }
    while (this.canAdmitShared()) {
      const next = this.interactive.shift() ?? this.background.shift();
      if (!next) return;
      next.cleanup();
      this.active++;
      this.sharedActive++;
      next.resolve(this.lease(next.enqueuedAt, Date.now()));
    }
  }
}
