import type { GpuSpec } from '../catalog/types.js';
import { UNKNOWN_GPU_BANDWIDTH_GBS, UNKNOWN_GPU_FP16_TFLOPS } from './memory-constants.js';
import type { HardwareGpu } from './types.js';

/** A GPU with its bandwidth and compute capability settled (from the spec, else the table, else a default). */
export interface ResolvedGpu extends HardwareGpu {
  bandwidthGBs: number;
  bandwidthKnown: boolean;
  /** Dense FP16 tensor TFLOPS (catalog/gpus.yaml), or UNKNOWN_GPU_FP16_TFLOPS. */
  fp16TFlops: number;
}

/** The table entry whose longest `match` substring occurs in `name` (case-insensitive), if any. */
export function lookupGpuSpec(name: string, table: GpuSpec[]): GpuSpec | undefined {
  const lower = ` ${name.toLowerCase()}`;
  let best: { spec: GpuSpec; length: number } | undefined;
  for (const spec of table) {
    for (const m of spec.match) {
      if (lower.includes(m.toLowerCase()) && (!best || m.length > best.length))
        best = { spec, length: m.length };
    }
  }
  return best?.spec;
}

/** Fills in bandwidth and compute capability from the table where the hardware spec leaves them out. */
export function resolveGpu(gpu: HardwareGpu, table: GpuSpec[]): ResolvedGpu {
  const spec = lookupGpuSpec(gpu.name, table);
  const bandwidth = gpu.bandwidthGBs ?? spec?.bandwidthGBs;
  return {
    ...gpu,
    computeCapability: gpu.computeCapability ?? spec?.computeCapability,
    bandwidthGBs: bandwidth ?? UNKNOWN_GPU_BANDWIDTH_GBS,
    bandwidthKnown: bandwidth !== undefined,
    fp16TFlops: spec?.fp16TFlops ?? UNKNOWN_GPU_FP16_TFLOPS,
  };
}
