import type { GpuDetectionStrategy } from './gpu-detection-strategy.js';
import { NvidiaSmiCsvStrategy } from './nvidia-smi-csv-strategy.js';
import { NvidiaSmiXmlStrategy } from './nvidia-smi-xml-strategy.js';
import { PciGraphicsStrategy } from './pci-graphics-strategy.js';
import type { GpuDetection, GpuInfo } from './types.js';

/** The ordered list: the driver's full XML report, its CSV query, then the PCI bus (cards with no driver). */
export function defaultGpuStrategies(): GpuDetectionStrategy[] {
  return [new NvidiaSmiXmlStrategy(), new NvidiaSmiCsvStrategy(), new PciGraphicsStrategy()];
}

/** Runs the strategies in order; the first that applies answers. No answer means no NVIDIA GPU (not an error). */
export async function detectGpus(
  strategies: GpuDetectionStrategy[] = defaultGpuStrategies(),
): Promise<{ gpus: GpuInfo[]; detection: GpuDetection }> {
  const tried: GpuDetection['tried'] = [];
  for (const strategy of strategies) {
    let outcome: Awaited<ReturnType<GpuDetectionStrategy['detect']>>;
    try {
      outcome = await strategy.detect();
    } catch (error) {
      // A strategy that throws is a bug or an odd machine; record it and keep going rather than fail detection.
      outcome = {
        applies: false,
        reason: `failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (outcome.applies) return { gpus: outcome.gpus, detection: { strategy: strategy.name, tried } };
    tried.push({ strategy: strategy.name, reason: outcome.reason });
  }
  return { gpus: [], detection: { strategy: null, tried } };
}
