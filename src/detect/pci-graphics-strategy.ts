import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import si from 'systeminformation';
import { lookupGpu } from './gpu-catalog.js';
import type { GpuDetectionOutcome, GpuDetectionStrategy } from './gpu-detection-strategy.js';
import { normalizePciBusId } from './nvidia-smi-values.js';
import type { GpuInfo } from './types.js';

/** NVIDIA's PCI vendor id (https://pci-ids.ucw.cz/read/PC/10de). */
export const NVIDIA_PCI_VENDOR = '10de';

/** The subset of systeminformation's graphics-controller record this strategy reads. */
export interface GraphicsController {
  vendor: string;
  vendorId?: string;
  model: string;
  deviceId?: string;
  busAddress?: string;
}

export type ListControllers = () => Promise<GraphicsController[]>;

/**
 * The last resort: NVIDIA cards on the PCI bus that no driver answers for. It reports them (so `ops detect` can say
 * "there is a GPU, install the driver") with `hasDriver: false` and no VRAM, which classification treats as unusable.
 */
export class PciGraphicsStrategy implements GpuDetectionStrategy {
  readonly name = 'PCI graphics controllers';

  constructor(private readonly listControllers: ListControllers = listHostControllers) {}

  async detect(): Promise<GpuDetectionOutcome> {
    const controllers = (await this.listControllers()).filter(isNvidia);
    if (controllers.length === 0)
      return { applies: false, reason: 'no PCI device with NVIDIA vendor id 10de' };
    const gpus = controllers.map((c, index): GpuInfo => {
      const name = productName(c);
      return {
        index,
        name,
        uuid: null,
        pciBusId: normalizePciBusId(c.busAddress),
        vramMiB: 0,
        vramUsedMiB: null,
        driverVersion: null,
        cudaVersion: null,
        ...lookupGpu(name),
        hasDriver: false,
        source: 'pci',
      };
    });
    return { applies: true, gpus };
  }
}

function isNvidia(c: GraphicsController): boolean {
  return c.vendorId?.toLowerCase().replace(/^0x/, '') === NVIDIA_PCI_VENDOR || /nvidia/i.test(c.vendor);
}

/** lspci names the chip and the product in brackets (`AD102 [GeForce RTX 4090]`); prefer the product. */
function productName(c: GraphicsController): string {
  const bracket = /\[([^\]]+)\]/.exec(c.model);
  const product = bracket?.[1] ?? c.model.trim();
  if (product) return product;
  return c.deviceId ? `NVIDIA GPU [10de:${c.deviceId.replace(/^0x/, '')}]` : 'NVIDIA GPU';
}

/** systeminformation's controllers (from lspci) plus a sysfs scan, which works where lspci is not installed. */
export async function listHostControllers(): Promise<GraphicsController[]> {
  const [fromSi, fromSysfs] = await Promise.all([
    si.graphics().then(
      (g) => g.controllers as GraphicsController[],
      () => [],
    ),
    scanSysfs(),
  ]);
  const seen = new Set(fromSi.map((c) => normalizePciBusId(c.busAddress)).filter(Boolean));
  return [...fromSi, ...fromSysfs.filter((c) => !seen.has(normalizePciBusId(c.busAddress)))];
}

/** Display controllers (PCI class 0x03xxxx) with vendor 0x10de under /sys/bus/pci/devices. */
export async function scanSysfs(root = '/sys/bus/pci/devices'): Promise<GraphicsController[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const found: GraphicsController[] = [];
  for (const address of entries.sort()) {
    const read = (file: string) =>
      readFile(join(root, address, file), 'utf8').then(
        (t) => t.trim(),
        () => '',
      );
    const [vendor, device, cls] = await Promise.all([read('vendor'), read('device'), read('class')]);
    if (vendor.toLowerCase() !== `0x${NVIDIA_PCI_VENDOR}` || !cls.startsWith('0x03')) continue;
    found.push({
      vendor: 'NVIDIA Corporation',
      vendorId: NVIDIA_PCI_VENDOR,
      model: '',
      deviceId: device,
      busAddress: address,
    });
  }
  return found;
}
