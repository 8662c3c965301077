import type { GpuInfo } from '../detect/types.js';
import { type CudaFit, checkImageCuda, type ImageRequirement, tableRequirement } from './check-image-cuda.js';

/**
 * The check `ops plan` can show (pure): each engine image (a name, looked up in the table, or a requirement already
 * read from the image) against the driver and CUDA version the inventory's GPUs report — this machine's, or those
 * of an nvidia-smi capture. GPUs without a driver mean "the driver is still to be installed".
 */
export function checkImagesForInventory(images: (string | ImageRequirement)[], gpus: GpuInfo[]): CudaFit[] {
  const reporting = gpus.find((g) => g.driverVersion);
  const driver = reporting?.driverVersion
    ? { version: reporting.driverVersion, cuda: reporting.cudaVersion, origin: 'reported by nvidia-smi' }
    : { version: null, cuda: null, origin: 'to be installed' };
  const cards = gpus.map((g) => ({
    index: g.index,
    name: g.name,
    gpuClass: g.gpuClass,
    ...(g.brand ? { brand: g.brand } : {}),
    ...(g.computeCapability ? { computeCapability: g.computeCapability } : {}),
  }));
  return images.map((i) => checkImageCuda(typeof i === 'string' ? tableRequirement(i) : i, driver, cards));
}
