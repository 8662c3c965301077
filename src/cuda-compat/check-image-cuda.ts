import type { GpuClass } from '../detect/types.js';
import { cudaForDriver, minDriverForCuda } from './cuda-driver-table.js';
import { evaluateRequirement, parseRequireCuda } from './require-cuda.js';

/**
 * `NVIDIA_REQUIRE_CUDA` of the default upstream engine images, for when the image is not on this machine to be read:
 * - ghcr.io/ggml-org/llama.cpp:server-cuda is built FROM nvidia/cuda:12.8.1-runtime-ubuntu24.04
 *   (ggml-org/llama.cpp `.devops/cuda.Dockerfile`, `ARG CUDA_VERSION=12.8.1`);
 * - vllm/vllm-openai:v0.11.0 is built on CUDA 12.8.1 (vllm-project/vllm `docker/Dockerfile`, `ARG CUDA_VERSION`).
 * NVIDIA's CUDA images set `cuda>=<major.minor>` plus forward-compatibility branches; only the `cuda>=` part is
 * written here (the branches differ per image build), so a table answer never counts on forward compatibility.
 */
export const DEFAULT_IMAGE_REQUIRE_CUDA: Readonly<Record<string, string>> = {
  'ghcr.io/ggml-org/llama.cpp:server-cuda': 'cuda>=12.8',
  'vllm/vllm-openai:v0.11.0': 'cuda>=12.8',
};

/** Where an image's requirement came from: read from the image, the table above, or nothing known. */
export interface ImageRequirement {
  image: string;
  /** The variable's value; null when the image declares none (a CPU image) or it is not known. */
  requireCuda: string | null;
  source: 'image' | 'table' | 'unknown' | 'disabled';
}

/** The driver the check is made against: the installed one, the one a capture shows, or the one to be installed. */
export interface DriverUnderTest {
  /** e.g. `550.127.05`; for a driver still to be installed, the pinned branch (`550`) or null for NVIDIA's newest. */
  version: string | null;
  /** nvidia-smi's `CUDA Version` when known (it wins over the table). */
  cuda: string | null;
  /** Said in messages: `installed`, `in gpus.xml`, `to be installed`. */
  origin: string;
}

export interface CudaGpu {
  index: number;
  name: string;
  brand?: string;
  computeCapability?: string;
  gpuClass: GpuClass;
}

export type CudaFitStatus = 'ok' | 'forward-compat' | 'fail' | 'unknown';

export interface CudaFit {
  image: string;
  status: CudaFitStatus;
  detail: string;
  /** What to do when the status is fail (or unknown). */
  fix: string;
}

/** The requirement the table knows for an image, for when it cannot be read from the image itself. */
export function tableRequirement(image: string): ImageRequirement {
  const known = DEFAULT_IMAGE_REQUIRE_CUDA[image];
  return known
    ? { image, requireCuda: known, source: 'table' }
    : { image, requireCuda: null, source: 'unknown' };
}

/**
 * Can the driver run the image (pure)? The rule is the container toolkit's: the image's `cuda>=` against the CUDA
 * version the driver supports, or one of its forward-compatibility alternatives for the driver's branch and the
 * card's brand. Forward compatibility itself only works on datacenter GPUs (CUDA Compatibility guide, "Forward
 * Compatibility": https://docs.nvidia.com/deploy/cuda-compatibility/), so on other cards such a match still fails.
 */
export function checkImageCuda(req: ImageRequirement, driver: DriverUnderTest, gpus: CudaGpu[]): CudaFit {
  const { image } = req;
  if (req.source === 'disabled')
    return { image, status: 'ok', detail: 'the image sets NVIDIA_DISABLE_REQUIRE: not checked', fix: '' };
  if (!req.requireCuda) {
    return req.source === 'unknown'
      ? {
          image,
          status: 'unknown',
          detail: 'its CUDA requirement is not known here (image not on this machine)',
          fix: `docker pull ${image} (or ops images), then ops doctor reads NVIDIA_REQUIRE_CUDA from it`,
        }
      : { image, status: 'ok', detail: 'declares no CUDA requirement', fix: '' };
  }
  const requirement = parseRequireCuda(req.requireCuda);
  const from = req.source === 'table' ? ' (ops table)' : '';
  if (!driver.version) {
    return {
      image,
      status: 'ok',
      detail: `needs ${req.requireCuda.split(/\s+/)[0]}${from}; the driver to be installed (NVIDIA's newest branch) supports it`,
      fix: '',
    };
  }
  const cuda =
    driver.cuda ?? cudaForDriver(driver.version.includes('.') ? driver.version : `${driver.version}.9999`);
  const minCuda = requirement.flat().find((c) => c.key === 'cuda')?.value ?? null;
  const needs = minCuda ? `CUDA ${minCuda}` : req.requireCuda;
  const minDriver = minCuda ? minDriverForCuda(minCuda) : null;
  const fixDriver = `install driver ${minDriver ?? 'a newer branch'} or newer (ops setup with driver.pin ${minDriver?.split('.')[0] ?? ''}, driver.replace: true), or use an image built for CUDA ${cuda ?? 'your driver'}`;
  if (!cuda) {
    return {
      image,
      status: 'fail',
      detail: `needs ${needs}${from}; driver ${driver.version} (${driver.origin}) is older than any CUDA 11.4+ release`,
      fix: fixDriver,
    };
  }
  const subjects = gpus.length > 0 ? gpus : [{ index: 0, name: 'GPU', gpuClass: 'unknown' as const }];
  const failing: string[] = [];
  const forward: CudaGpu[] = [];
  for (const gpu of subjects) {
    const r = evaluateRequirement(requirement, {
      cuda,
      driver: driver.version,
      ...(gpu.computeCapability ? { arch: gpu.computeCapability } : {}),
      ...(gpu.brand ? { brand: gpu.brand } : {}),
    });
    if (!r.satisfied) failing.push(`GPU ${gpu.index} (${gpu.name})`);
    else if (r.viaForwardCompat) forward.push(gpu);
  }
  const driverText = `driver ${driver.version} (${driver.origin}) supports CUDA ${cuda}`;
  if (failing.length > 0) {
    return {
      image,
      status: 'fail',
      detail: `needs ${needs}${from}; ${driverText}: the container toolkit refuses to start it on ${failing.join(', ')}`,
      fix: fixDriver,
    };
  }
  const notDatacenter = forward.filter((g) => g.gpuClass !== 'datacenter');
  if (notDatacenter.length > 0) {
    return {
      image,
      status: 'fail',
      detail: `needs ${needs}; ${driverText}: the toolkit would start it through CUDA forward compatibility, which works only on datacenter GPUs, not on ${notDatacenter.map((g) => g.name).join(', ')} (CUDA error 804)`,
      fix: fixDriver,
    };
  }
  if (forward.length > 0) {
    return {
      image,
      status: 'forward-compat',
      detail: `needs ${needs}; ${driverText}: runs through CUDA forward compatibility (the image's cuda-compat, datacenter GPUs only)`,
      fix: `a driver ${minDriver ?? ''}+ removes the need for forward compatibility`,
    };
  }
  return { image, status: 'ok', detail: `needs ${needs}${from}; ${driverText}`, fix: '' };
}
