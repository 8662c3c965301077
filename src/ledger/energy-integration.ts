import { ENERGY_BUCKET_MS } from './types.js';

/** How readings become energy. */
export interface IntegrationOptions {
  /** Only energy inside [fromMs, toMs) is counted; intervals crossing the edges are cut. */
  fromMs: number;
  toMs: number;
  /** Two power readings further apart than this are a gap: unknown energy, not zero and not interpolated. */
  maxGapMs: number;
  /** Two energy-counter readings further apart than this are not trusted either (a reboot may hide in between). */
  maxCounterGapMs: number;
  bucketMs?: number;
}

/** Energy and covered time per bucket of one device: bucket start → [Wh, measured seconds]. */
export type BucketEnergy = Map<number, [number, number]>;

/**
 * Streaming integrator of one device's readings (oldest first) into energy buckets. Between two readings it uses
 * the energy counter's delta when both have one and it did not go down (a counter is exact, and DCGM/RAPL count
 * between samples); otherwise the trapezoid rule on power, when the readings are at most `maxGapMs` apart;
 * otherwise the interval is left out (unknown). An interval's energy is split over the buckets it crosses in
 * proportion to time (counters) or by the interpolated power at the bucket edge (trapezoid).
 */
export class EnergyIntegrator {
  readonly buckets: BucketEnergy = new Map();
  private readonly bucketMs: number;
  private prevTs = Number.NaN;
  private prevPower: number | null = null;
  private prevEnergy: number | null = null;
  private current: { startMs: number; slot: [number, number] } | undefined;

  constructor(private readonly options: IntegrationOptions) {
    this.bucketMs = options.bucketMs ?? ENERGY_BUCKET_MS;
  }

  add(tsMs: number, powerW: number | null, energyJ: number | null): void {
    const { prevTs, prevPower, prevEnergy } = this;
    this.prevTs = tsMs;
    this.prevPower = powerW;
    this.prevEnergy = energyJ;
    if (Number.isNaN(prevTs)) return;
    const dtMs = tsMs - prevTs;
    if (dtMs <= 0) return;
    const { fromMs, toMs } = this.options;
    if (tsMs <= fromMs || prevTs >= toMs) return;
    const current = this.current;
    if (
      current &&
      prevTs >= current.startMs &&
      tsMs <= current.startMs + this.bucketMs &&
      prevTs >= fromMs &&
      tsMs <= toMs
    ) {
      // Fast path, no closures (nearly every interval at 1 s sampling): the interval lies inside the last bucket.
      let joules = Number.NaN;
      if (
        prevEnergy !== null &&
        energyJ !== null &&
        energyJ >= prevEnergy &&
        dtMs <= this.options.maxCounterGapMs
      ) {
        joules = energyJ - prevEnergy;
      } else if (prevPower !== null && powerW !== null && dtMs <= this.options.maxGapMs) {
        joules = ((prevPower + powerW) / 2) * (dtMs / 1000);
      }
      if (!Number.isNaN(joules)) {
        current.slot[0] += joules / 3600;
        current.slot[1] += dtMs / 1000;
      }
      return;
    }
    if (
      prevEnergy !== null &&
      energyJ !== null &&
      energyJ >= prevEnergy &&
      dtMs <= this.options.maxCounterGapMs
    ) {
      this.spread(prevTs, tsMs, (a, b) => ((energyJ - prevEnergy) * (b - a)) / dtMs);
      return;
    }
    if (prevPower !== null && powerW !== null && dtMs <= this.options.maxGapMs) {
      const slope = (powerW - prevPower) / dtMs;
      const at = (t: number) => prevPower + slope * (t - prevTs);
      this.spread(prevTs, tsMs, (a, b) => ((at(a) + at(b)) / 2) * ((b - a) / 1000));
    }
  }

  /** Adds `joules(a, b)` for each piece of [t0, t1) cut at bucket edges and at the window. */
  private spread(t0: number, t1: number, joules: (a: number, b: number) => number): void {
    const start = Math.max(t0, this.options.fromMs);
    const end = Math.min(t1, this.options.toMs);
    let a = start;
    while (a < end) {
      const bucket = Math.floor(a / this.bucketMs) * this.bucketMs;
      const b = Math.min(end, bucket + this.bucketMs);
      const slot = this.buckets.get(bucket);
      const wh = joules(a, b) / 3600;
      const s = (b - a) / 1000;
      if (slot) {
        slot[0] += wh;
        slot[1] += s;
        this.current = { startMs: bucket, slot };
      } else {
        const fresh: [number, number] = [wh, s];
        this.buckets.set(bucket, fresh);
        this.current = { startMs: bucket, slot: fresh };
      }
      a = b;
    }
  }
}

/** Integrates a whole array of readings (oldest first); see EnergyIntegrator. */
export function integrateEnergy(
  samples: readonly { tsMs: number; powerW: number | null; energyJ: number | null }[],
  options: IntegrationOptions,
): BucketEnergy {
  const integrator = new EnergyIntegrator(options);
  for (const s of samples) integrator.add(s.tsMs, s.powerW, s.energyJ);
  return integrator.buckets;
}
