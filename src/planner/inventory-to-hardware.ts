import { lookupGpu } from '../detect/gpu-catalog.js';
import type { GpuInfo, Inventory } from '../detect/types.js';
import { assessGpus } from '../profiles/usable-gpus.js';
import type { HardwareSpec } from './types.js';

/** RAM and cores assumed for an inventory read from an nvidia-smi file (it says nothing about the host). */
export const ASSUMED_HOST = { ramMiB: 64 * 1024, cpuCores: 16 } as const;

/**
 * The planner's view of a detected machine (pure): only the GPUs engines can use (driver loaded, supported, enough
 * VRAM; see assessGpus), its RAM and cores. An inventory from an nvidia-smi file has no host facts: ASSUMED_HOST
 * fills them, and a note says so.
 */
export function inventoryToHardware(inventory: Pick<Inventory, 'gpus' | 'memory' | 'cpu'>): {
  hardware: HardwareSpec;
  notes: string[];
} {
  const { usable, warnings } = assessGpus(inventory.gpus);
  const notes = [...warnings];
  const gpus = usable.map((g) => ({
    index: g.index,
    name: g.name,
    vramMiB: plannableVramMiB(g),
    ...(g.computeCapability && /^\d+\.\d+$/.test(g.computeCapability)
      ? { computeCapability: g.computeCapability }
      : {}),
  }));
  const ramMiB = inventory.memory ? Math.floor(inventory.memory.totalBytes / (1024 * 1024)) : undefined;
  const cpuCores = inventory.cpu ? Math.max(1, inventory.cpu.cores) : undefined;
  if (ramMiB === undefined || cpuCores === undefined) {
    notes.push(
      `host RAM and CPU cores unknown (GPUs read from a file): assuming ${ASSUMED_HOST.ramMiB / 1024} GiB and ${ASSUMED_HOST.cpuCores} cores; use --hardware FILE to state them`,
    );
  }
  return {
    hardware: { gpus, ramMiB: ramMiB ?? ASSUMED_HOST.ramMiB, cpuCores: cpuCores ?? ASSUMED_HOST.cpuCores },
    notes,
  };
}

/**
 * VRAM one engine can use on a GPU: with MIG on, CUDA shows each GPU instance as its own device, so an engine must
 * fit in one slice — the largest is planned (usable-gpus.ts warns which slices exist).
 */
function plannableVramMiB(g: Pick<Inventory['gpus'][number], 'vramMiB' | 'migMode' | 'migDevices'>): number {
  if (g.migMode !== 'enabled') return g.vramMiB;
  const slices = (g.migDevices ?? []).map((d) => d.vramMiB).filter((v): v is number => v !== null && v > 0);
  return slices.length > 0 ? Math.max(...slices) : g.vramMiB;
}

/** A hardware-spec GPU as detection would have reported it, so the profile rules classify it the same way. */
export function gpuInfoOf(g: HardwareSpec['gpus'][number]): GpuInfo {
  const known = lookupGpu(g.name);
  return {
    index: g.index,
    name: g.name,
    uuid: null,
    pciBusId: null,
    vramMiB: g.vramMiB,
    vramUsedMiB: null,
    driverVersion: null,
    cudaVersion: null,
    computeCapability: g.computeCapability ?? known.computeCapability,
    gpuClass: known.gpuClass,
    hasDriver: true,
    source: 'nvidia-smi-xml',
  };
}
