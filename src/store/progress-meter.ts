import type { EventBus } from '../core/events.js';

/** How often progress events are emitted (a bar redrawn more often only costs CPU). */
const EMIT_EVERY_MS = 250;
/** Window of the rate estimate: long enough to be steady, short enough to follow a changing link. */
const RATE_WINDOW_MS = 3000;

/**
 * Turns byte counts into `download:progress` events with a rate (bytes/s over the last few seconds) and an ETA.
 * Bytes that were on disk before this run count as done but not towards the rate.
 */
export class ProgressMeter {
  private done: number;
  private fetched = 0;
  private lastEmit = 0;
  private readonly samples: Array<{ at: number; fetched: number }> = [];
  private finished = false;

  constructor(
    private readonly bus: EventBus,
    private readonly file: string,
    private readonly total: number,
    alreadyDone: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.done = alreadyDone;
    this.samples.push({ at: this.now(), fetched: 0 });
  }

  get fetchedBytes(): number {
    return this.fetched;
  }

  add(bytes: number): void {
    this.done += bytes;
    this.fetched += bytes;
    const at = this.now();
    if (at - this.lastEmit >= EMIT_EVERY_MS) this.emit(at);
  }

  /** Emits the final state once. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit(this.now());
  }

  private emit(at: number): void {
    this.lastEmit = at;
    this.samples.push({ at, fetched: this.fetched });
    while (this.samples.length > 2 && at - this.samples[1]!.at > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (at - first.at) / 1000;
    const bytesPerSecond = seconds > 0 ? (this.fetched - first.fetched) / seconds : 0;
    const left = this.total - this.done;
    this.bus.emit({
      kind: 'download:progress',
      file: this.file,
      doneBytes: this.done,
      totalBytes: this.total,
      bytesPerSecond: Math.round(bytesPerSecond),
      ...(bytesPerSecond > 0 && left > 0 ? { etaSeconds: Math.ceil(left / bytesPerSecond) } : {}),
    });
  }
}
