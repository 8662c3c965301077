import type { GpuInfo } from './types.js';

/** A strategy either answers with the GPUs it sees or says why it does not apply on this machine. */
export type GpuDetectionOutcome = { applies: false; reason: string } | { applies: true; gpus: GpuInfo[] };

/** One way to find NVIDIA GPUs; strategies are tried in order and the first that applies answers. */
export interface GpuDetectionStrategy {
  readonly name: string;
  detect(): Promise<GpuDetectionOutcome>;
}
