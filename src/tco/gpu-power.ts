import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { GpuSpec } from '../catalog/types.js';
import { ValidationError } from '../core/errors.js';
import { readYamlFile } from '../core/read-yaml-file.js';
import { zodProblems } from '../core/validation.js';
import { lookupGpuSpec } from '../planner/gpu-bandwidth.js';
import type { HardwareSpec } from '../planner/types.js';

const gpuPowerSchema = z.strictObject({
  gpus: z.record(z.string(), z.strictObject({ tdpW: z.number().positive(), idleW: z.number().min(0) })),
});
export type GpuPowerTable = z.infer<typeof gpuPowerSchema>['gpus'];

/** catalog/gpu-power.yaml: board power and idle draw by the card's catalog name. */
export function loadGpuPowerTable(
  file = fileURLToPath(new URL('../../catalog/gpu-power.yaml', import.meta.url)),
): GpuPowerTable {
  const parsed = gpuPowerSchema.safeParse(
    readYamlFile(file, 'GPU power table', 'restore catalog/gpu-power.yaml'),
  );
  if (!parsed.success)
    throw new ValidationError(file, zodProblems(parsed.error), { hint: 'restore catalog/gpu-power.yaml' });
  return parsed.data.gpus;
}

/**
 * What the rest of a GPU box draws besides its GPUs: CPU, board, memory, disks, fans and power-supply losses. Round
 * defaults (a workstation CPU busy feeding the GPUs, and idle); a wall-plug reading replaces them.
 */
export const REST_OF_SYSTEM_W = { load: 150, idle: 60 } as const;

/** Watts of a machine at load and idle, from its GPUs' catalog figures plus the rest of the system. */
export interface MachinePower {
  loadW: number;
  idleW: number;
  gpus: { name: string; tdpW: number | null; idleW: number | null }[];
  /** GPUs with no entry in the power table (counted at zero: the figures are then too low). */
  unknown: string[];
}

export function machinePower(
  hardware: HardwareSpec,
  gpuTable: GpuSpec[],
  power: GpuPowerTable,
): MachinePower {
  const gpus = hardware.gpus.map((g) => {
    const spec = lookupGpuSpec(g.name, gpuTable);
    const p = spec ? power[spec.name] : undefined;
    return { name: spec?.name ?? g.name, tdpW: p?.tdpW ?? null, idleW: p?.idleW ?? null };
  });
  return {
    loadW: REST_OF_SYSTEM_W.load + gpus.reduce((s, g) => s + (g.tdpW ?? 0), 0),
    idleW: REST_OF_SYSTEM_W.idle + gpus.reduce((s, g) => s + (g.idleW ?? 0), 0),
    gpus,
    unknown: gpus.filter((g) => g.tdpW === null).map((g) => g.name),
  };
}
