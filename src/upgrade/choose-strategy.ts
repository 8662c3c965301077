import type { PredictedMemory, UpgradeStrategy } from './types.js';

/** Free memory now, per GPU index and in host RAM. */
export interface FreeMemory {
  gpuBytes: Record<number, number>;
  cpuBytes: number;
}

/** Kept free per GPU: llama.cpp's `--fit` leaves 1024 MiB (DESIGN.md §4, "Reserves per GPU"). */
export const GPU_RESERVE_BYTES = 1024 * 1024 ** 2;
/** Kept free in host RAM, for the OS, ops and the gateway. */
export const CPU_RESERVE_BYTES = 1024 * 1024 ** 2;

/**
 * Blue/green when every new engine fits in what is free now beside the running ones (the planner's predicted
 * totals against free VRAM per GPU and free RAM, less reserves); stop-and-swap otherwise. Pure.
 */
export function chooseStrategy(
  needed: readonly PredictedMemory[],
  free: FreeMemory,
): { strategy: UpgradeStrategy; reason: string } {
  const gpu = new Map<number, number>();
  let cpu = 0;
  for (const n of needed) {
    cpu += n.cpuBytes;
    for (const [index, bytes] of Object.entries(n.gpuBytes))
      gpu.set(Number(index), (gpu.get(Number(index)) ?? 0) + bytes);
  }
  const mib = (b: number) => `${Math.round(b / 1024 ** 2)} MiB`;
  for (const [index, bytes] of gpu) {
    const available = (free.gpuBytes[index] ?? 0) - GPU_RESERVE_BYTES;
    if (bytes > available) {
      return {
        strategy: 'stop-and-swap',
        reason: `GPU${index} has ${mib(Math.max(0, available))} free beside the running engines; the new one needs ${mib(bytes)}`,
      };
    }
  }
  const cpuAvailable = free.cpuBytes - CPU_RESERVE_BYTES;
  if (cpu > cpuAvailable) {
    return {
      strategy: 'stop-and-swap',
      reason: `${mib(Math.max(0, cpuAvailable))} of RAM free beside the running engines; the new one needs ${mib(cpu)}`,
    };
  }
  return { strategy: 'blue-green', reason: 'the new engine fits beside the running one' };
}

/** A rough need when the planner's prediction is not at hand (a rollback): the file's size and a quarter more. */
export function estimateFromFile(fileBytes: number, gpus: readonly number[]): PredictedMemory {
  const total = Math.ceil(fileBytes * 1.25) + 256 * 1024 ** 2;
  if (gpus.length === 0) return { gpuBytes: {}, cpuBytes: total };
  return { gpuBytes: Object.fromEntries(gpus.map((g) => [g, Math.ceil(total / gpus.length)])), cpuBytes: 0 };
}
