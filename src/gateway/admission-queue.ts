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

/**
 * Concurrency slots of one upstream with a bounded two-priority FIFO queue. Interactive waiters are always
 * admitted before background ones. A full queue refuses at once (the client retries with backoff) rather
 * than piling up work the engine cannot serve.
 */
export class AdmissionQueue {
  private active = 0;
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
  acquire(priority: Priority, signal?: AbortSignal, onQueued?: () => void): Promise<Lease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.held && this.active < this.slots && this.queuedCount() === 0) {
      this.active++;
      return Promise.resolve(this.lease(Date.now(), Date.now()));
    }
    if (this.queuedCount() >= this.maxQueued) {
      const retryAfterS = clampRetryAfterS((this.serviceTimeS * (this.queuedCount() + 1)) / this.slots);
      return Promise.reject(
        new GatewayError(
          'overloaded',
          `all ${this.slots} slots busy and ${this.maxQueued} requests queued; retry later`,
          {
            retryAfterS,
          },
        ),
      );
    }
    return new Promise<Lease>((resolve, reject) => {
      const queue = priority === 'interactive' ? this.interactive : this.background;
      const onAbort = () => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
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

  private lease(enqueuedAt: number, admittedAt: number): Lease {
    let released = false;
    return {
      waitedMs: admittedAt - enqueuedAt,
      release: () => {
        if (released) return;
        released = true;
        // An exponential moving average of slot hold times keeps retry-after honest without a histogram.
        this.serviceTimeS = this.serviceTimeS * 0.8 + ((Date.now() - admittedAt) / 1000) * 0.2;
        this.active--;
        this.admitNext();
      },
    };
  }

  private admitNext(): void {
    while (!this.held && this.active < this.slots) {
      const next = this.interactive.shift() ?? this.background.shift();
      if (!next) return;
      next.cleanup();
      this.active++;
      next.resolve(this.lease(next.enqueuedAt, Date.now()));
    }
  }
}
