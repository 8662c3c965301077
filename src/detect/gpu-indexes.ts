import { detectGpus } from './gpu-strategies.js';
import { NvidiaSmiCsvStrategy } from './nvidia-smi-csv-strategy.js';

let cached: Promise<number[]> | undefined;

/**
 * Indexes of the NVIDIA GPUs the driver sees; empty when there is no driver or no GPU. Plan validation uses it to
 * refuse GPU requests the machine cannot satisfy, and `up` to decide on the DCGM exporter. Only the cheap CSV query
 * runs, once per process: the GPUs do not change during one command.
 */
export function detectGpuIndexes(): Promise<number[]> {
  cached ??= detectGpus([new NvidiaSmiCsvStrategy()]).then(({ gpus }) =>
    gpus.filter((g) => g.hasDriver).map((g) => g.index),
  );
  return cached;
}
