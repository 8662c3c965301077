import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { Catalog } from '../../src/catalog/types.js';
import type { HardwareSpec, Intent } from '../../src/planner/types.js';

/** The shipped catalog, loaded once per test file. */
export const catalog: Catalog = loadCatalog();

export const rtx3090 = (index: number, vramMiB = 24576) => ({
  index,
  name: 'NVIDIA GeForce RTX 3090',
  vramMiB,
});
export const rtx4090 = (index: number) => ({ index, name: 'NVIDIA GeForce RTX 4090', vramMiB: 24564 });
export const h100 = (index: number) => ({ index, name: 'NVIDIA H100 80GB HBM3', vramMiB: 81559 });

/** Hardware fixtures the table-driven tests run over. */
export const HARDWARE: Record<string, HardwareSpec> = {
  'cpu-only-16g': { gpus: [], ramMiB: 16384, cpuCores: 8 },
  '1x-rtx-3060-12g': {
    gpus: [{ index: 0, name: 'NVIDIA GeForce RTX 3060', vramMiB: 12288 }],
    ramMiB: 32768,
    cpuCores: 8,
  },
  '1x-rtx-3090': { gpus: [rtx3090(0)], ramMiB: 65536, cpuCores: 16 },
  '2x-rtx-4090': { gpus: [rtx4090(0), rtx4090(1)], ramMiB: 131072, cpuCores: 24 },
  '3x-rtx-3090': { gpus: [rtx3090(0), rtx3090(1), rtx3090(2)], ramMiB: 131072, cpuCores: 16 },
  '2x-h100': { gpus: [h100(0), h100(1)], ramMiB: 524288, cpuCores: 64 },
};

export function intent(overrides: Partial<Intent> = {}): Intent {
  return {
    priority: 'quality',
    agents: 1,
    contextLength: 32768,
    roles: ['quality-coder'],
    kvCacheTypes: ['f16', 'q8_0', 'q4_0'],
    ...overrides,
  };
}

export const GiB = 2 ** 30;
