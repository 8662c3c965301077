import { detectGpus } from './gpu-strategies.js';
import { NvidiaSmiCsvStrategy } from './nvidia-smi-csv-strategy.js';

/**
 * Indexes of the NVIDIA GPUs the driver sees; empty when there is no driver or no GPU. Plan validation uses it to
 * refuse GPU requests the machine cannot satisfy. Only the cheap CSV query runs: indexes need nothing more.
 */
export async function detectGpuIndexes(): Promise<number[]> {
  const { gpus } = await detectGpus([new NvidiaSmiCsvStrategy()]);
  return gpus.filter((g) => g.hasDriver).map((g) => g.index);
}
