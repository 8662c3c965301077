import type { PowerSample } from '../ledger/types.js';

/** One source of power readings (GPUs, CPU packages, the rest of the system, a wall plug). */
export interface PowerSampler {
  readonly name: string;
  /** Reads once; `tsMs` is the time to stamp the readings with. Throws when the source failed this time. */
  sample(tsMs: number): Promise<PowerSample[]>;
}

/** One way to find a sampler: an answer, or why it does not apply here. */
export type SamplerProbe = { sampler: PowerSampler } | { skip: string };
