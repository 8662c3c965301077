import {
  type CudaFit,
  type CudaGpu,
  checkImageCuda,
  type DriverUnderTest,
  type ImageRequirement,
  tableRequirement,
} from '../cuda-compat/check-image-cuda.js';
import { readImageRequirement } from '../cuda-compat/read-image-requirement.js';
import { LLAMA_CPP_CUDA_IMAGE } from '../engines/llama-cpp-adapter.js';
import { VLLM_IMAGE } from '../engines/vllm-adapter.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { HostFacts } from './host-facts.js';
import { installedDriver } from './nvidia-repo.js';
import type { ProvisionOptions } from './provision-types.js';

/**
 * The image a GPU engine entry runs (its own, or the engine's default CUDA image); null for an entry without GPUs
 * (`gpus: []` runs on the CPU) or an engine without an image. Entries of a setup proposal carry no `gpus`: they are
 * planned on the GPUs.
 */
export function gpuEngineImage(entry: {
  engine: string;
  image?: string | undefined;
  gpus?: unknown;
}): string | null {
  if (Array.isArray(entry.gpus) && entry.gpus.length === 0) return null;
  if (entry.image) return entry.image;
  if (entry.engine === 'llama.cpp') return LLAMA_CPP_CUDA_IMAGE;
  if (entry.engine === 'vllm') return VLLM_IMAGE;
  return null;
}

/**
 * The driver the images are checked against: the installed one (or the one an nvidia-smi capture shows, with its
 * CUDA version), else the driver setup will install — the pinned branch, or NVIDIA's newest.
 */
export function driverUnderTest(
  facts: HostFacts,
  options: ProvisionOptions,
  origin: string,
): DriverUnderTest {
  const installed = installedDriver(facts);
  const replacing =
    options.driver.replace && options.driver.pin && installed && !installed.startsWith(options.driver.pin);
  if (installed && !replacing) return { version: installed, cuda: facts.driverCuda, origin };
  return { version: options.driver.pin ?? null, cuda: null, origin: 'to be installed' };
}

/** Reads each image's requirement (from the image through Docker where it can, else the table) and checks it. */
export async function engineCudaFits(input: {
  images: string[];
  driver: DriverUnderTest;
  gpus: CudaGpu[];
  runtime?: Pick<ContainerRuntime, 'imageEnv'>;
}): Promise<CudaFit[]> {
  const fits: CudaFit[] = [];
  for (const image of [...new Set(input.images)]) {
    const req: ImageRequirement = input.runtime
      ? await readImageRequirement(input.runtime, image)
      : tableRequirement(image);
    fits.push(checkImageCuda(req, input.driver, input.gpus));
  }
  return fits;
}

/** One line per image for the human report. */
export function formatCudaFits(fits: CudaFit[]): string[] {
  const mark = { ok: '✓', 'forward-compat': '!', fail: '✗', unknown: '?' } as const;
  return fits.flatMap((f) => [
    `  ${mark[f.status]} ${f.image}: ${f.detail}`,
    ...(f.status === 'fail' || f.status === 'unknown' ? [`      fix: ${f.fix}`] : []),
  ]);
}
