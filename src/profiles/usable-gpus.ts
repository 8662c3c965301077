import { computeCapabilityValue } from '../detect/gpu-catalog.js';
import type { GpuInfo } from '../detect/types.js';

/** Below this a card cannot hold a useful coding model plus its KV cache (a 7B model at Q4 is ~4.7 GB). */
export const MIN_USABLE_VRAM_GIB = 6;
/** CUDA 12.0 removed Kepler (sm_35/sm_37) support (CUDA 12.0 release notes), so older cards cannot run engines. */
export const MIN_COMPUTE_CAPABILITY = 5.0;
/**
 * CUDA 13.0 dropped Maxwell, Pascal and Volta (sm_50–sm_72; CUDA 13.0 release notes) and vLLM needs 7.0+: cards
 * below 7.5 still run today's CUDA 12 llama.cpp images but are on their way out.
 */
export const LEGACY_COMPUTE_CAPABILITY = 7.5;
/** Engine images are built on CUDA 12.x, which needs a driver that reports CUDA 12 or later (R525+). */
export const MIN_DRIVER_CUDA_MAJOR = 12;

/**
 * nvidia-smi reports the memory left after the driver's reservation (24564 MiB on a 24 GB RTX 4090, 40537 MiB on
 * some A100 40GB), so each card counts as its VRAM rounded up to whole GiB, the size thresholds are written in.
 */
export function nominalVramGiB(gpu: GpuInfo): number {
  return Math.ceil(gpu.vramMiB / 1024);
}

/** The GPUs engines can use, and a warning for each one that was set aside or looks odd. Pure. */
export function assessGpus(gpus: GpuInfo[]): { usable: GpuInfo[]; warnings: string[] } {
  const usable: GpuInfo[] = [];
  const warnings: string[] = [];
  for (const gpu of gpus) {
    const label = `GPU ${gpu.index} (${gpu.name}${gpu.pciBusId ? ` at ${gpu.pciBusId}` : ''})`;
    if (!gpu.hasDriver) {
      warnings.push(
        `${label} is on the PCI bus but no NVIDIA driver answers for it; it is not counted. Install the driver ` +
          '(ops setup does it) and run ops detect again',
      );
      continue;
    }
    const cc = gpu.computeCapability ? computeCapabilityValue(gpu.computeCapability) : null;
    if (cc !== null && cc < MIN_COMPUTE_CAPABILITY) {
      warnings.push(
        `${label} has compute capability ${gpu.computeCapability}, which current CUDA (12+) no longer supports; it is not counted`,
      );
      continue;
    }
    if (gpu.migMode === 'enabled' && (gpu.migDevices ?? []).length === 0) {
      warnings.push(
        `${label} is in MIG mode with no GPU instances, so CUDA sees no device on it; it is not counted. ` +
          `Create instances (nvidia-smi mig -cgi … -C) or disable MIG (nvidia-smi -i ${gpu.index} -mig 0)`,
      );
      continue;
    }
    if (gpu.vramMiB < MIN_USABLE_VRAM_GIB * 1024) {
      warnings.push(
        `${label} has ${gpu.vramMiB} MiB of VRAM, under the ${MIN_USABLE_VRAM_GIB} GiB minimum; it is not counted`,
      );
      continue;
    }
    if (cc !== null && cc < LEGACY_COMPUTE_CAPABILITY) {
      warnings.push(
        `${label} has compute capability ${gpu.computeCapability}: CUDA 13 dropped it and vLLM needs 7.0+; ` +
          'llama.cpp on CUDA 12 still runs it',
      );
    }
    if (gpu.migMode === 'enabled') {
      const slices = (gpu.migDevices ?? []).map((d) => (d.vramMiB === null ? '?' : `${d.vramMiB} MiB`));
      warnings.push(
        `${label} has MIG enabled: engines see ${slices.length} slice(s) (${slices.join(', ')}), not the whole ` +
          `${nominalVramGiB(gpu)} GiB card; each engine must fit in one slice. The profile is chosen from the whole card`,
      );
    }
    usable.push(gpu);
  }
  const drivers = new Set(usable.map((g) => g.cudaVersion).filter((v): v is string => v !== null));
  for (const cuda of drivers) {
    if (Number.parseInt(cuda, 10) < MIN_DRIVER_CUDA_MAJOR) {
      const driver = usable.find((g) => g.cudaVersion === cuda)?.driverVersion ?? 'unknown';
      warnings.push(
        `the NVIDIA driver ${driver} supports CUDA up to ${cuda}; engine images need CUDA ${MIN_DRIVER_CUDA_MAJOR}+ ` +
          '(driver 525 or newer). Upgrade the driver',
      );
    }
  }
  const models = new Set(usable.map((g) => g.name));
  if (models.size > 1) {
    const mix = [...models].map((m) => `${usable.filter((g) => g.name === m).length}× ${m}`).join(', ');
    warnings.push(
      `mixed GPUs (${mix}): vLLM tensor parallelism wants identical cards; llama.cpp can split layers unevenly (-ts)`,
    );
  }
  return { usable, warnings };
}
