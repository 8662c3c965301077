import type { CatalogModel, Variant } from '../catalog/types.js';
import { EXPECTED_CONTEXT_FILL } from './coding-policy.js';
import { kvCacheBytes, VLLM_KV_DTYPE } from './kv-cache.js';
import type { GpuBudget } from './llama-cpp-fit.js';
import {
  BANDWIDTH_EFFICIENCY,
  formatGiB,
  TENSOR_PARALLEL_EFFICIENCY,
  VLLM_DEFAULT_GPU_MEMORY_UTILIZATION,
  VLLM_OVERHEAD_BYTES,
  VLLM_SHARED_GPU_MARGIN_BYTES,
} from './memory-constants.js';
import type { GpuShare, KvCacheType } from './types.js';

export interface VllmFitInput {
  model: CatalogModel;
  variant: Variant;
  maxModelLen: number;
  /** Concurrent agents; the pool must hold EXPECTED_CONTEXT_FILL of each one's window, and one full window. */
  agents: number;
  kvType: KvCacheType;
  gpus: GpuBudget[];
  /** Tensor-parallel size to try. */
  tensorParallel: number;
}

export interface VllmArrangement {
  tensorParallel: number;
  gpuMemoryUtilization: number;
  kvCacheDtype: string;
  perGpu: GpuShare[];
  /** The whole paged pool, all GPUs. */
  kvCacheBytes: number;
  /** How many `--max-model-len` requests the pool holds at once. */
  fullLengthRequests: number;
  estTokensPerSec: number;
}

export type VllmFit = { ok: true; arrangement: VllmArrangement } | { ok: false; reason: string };

/** Minimum compute capability per checkpoint format (vLLM's supported-hardware tables). */
function minComputeCapability(variant: Variant): number {
  if (variant.quant === 'FP8') return 8.0; // Ampere runs FP8 weights through Marlin (W8A16); native from 8.9
  // Block-scaled FP8 (DeepSeek/GLM/Qwen "FP8" checkpoints, 128×128 scales) is planned only where FP8 tensor cores
  // exist (Ada 8.9, Hopper 9.0, Blackwell): the W8A8 block kernels are what vLLM documents for it; an Ampere
  // fallback is not counted on. MXFP4 (gpt-oss) runs on Ampere and newer (vLLM's gpt-oss recipe lists A100).
  if (variant.quant === 'FP8-block') return 8.9;
  if (variant.quant === 'MXFP4') return 8.0;
  if (variant.quant === 'AWQ' || variant.quant === 'GPTQ-Int4') return 7.5;
  return 7.0;
}

/** Why a tensor-parallel size cannot split this model's attention, or undefined when it can. */
export function tensorParallelRefusal(model: CatalogModel, tp: number): string | undefined {
  const { heads, kvHeads } = model.shape;
  if (heads % tp !== 0)
    return `tensor parallel ${tp} needs attention heads divisible by ${tp}; ${model.name} has ${heads}`;
  if (!model.shape.mla && kvHeads % tp !== 0 && tp % kvHeads !== 0) {
    return `tensor parallel ${tp} needs ${kvHeads} KV heads to split or replicate evenly over ${tp} GPUs`;
  }
  return undefined;
}

/**
 * Fits a checkpoint under vLLM with tensor parallelism over `tensorParallel` GPUs. vLLM takes
 * `--gpu-memory-utilization` × total VRAM on each GPU; inside it go the weights (split evenly), activations and CUDA
 * graphs, and the paged KV pool gets the rest. vLLM refuses to start unless the pool holds one `--max-model-len`
 * request; the plan asks for one per agent.
 */
export function fitVllm(input: VllmFitInput): VllmFit {
  const { model, variant, tensorParallel: tp } = input;
  const s = model.shape;
  const refusal = tensorParallelRefusal(model, tp);
  if (refusal) return { ok: false, reason: refusal };
  if (input.gpus.length < tp)
    return { ok: false, reason: `tensor parallel ${tp} needs ${tp} GPUs, ${input.gpus.length} free` };
  if (input.maxModelLen > s.trainedContext) {
    return {
      ok: false,
      reason: `--max-model-len ${input.maxModelLen} exceeds the ${s.trainedContext} the model was trained for`,
    };
  }
  const kvCacheDtype = VLLM_KV_DTYPE[input.kvType];
  if (!kvCacheDtype) return { ok: false, reason: `vLLM has no ${input.kvType} KV cache` };

  const set = [...input.gpus]
    .sort((a, b) => b.freeBytes - a.freeBytes || a.gpu.index - b.gpu.index)
    .slice(0, tp);
  const needCc = minComputeCapability(variant);
  const old = set.find(
    (g) => g.gpu.computeCapability !== undefined && Number(g.gpu.computeCapability) < needCc,
  );
  if (old) {
    return {
      ok: false,
      reason: `${variant.quant} on vLLM needs compute capability ${needCc.toFixed(1)}; GPU ${old.gpu.index} has ${old.gpu.computeCapability}`,
    };
  }
  // vLLM budgets a fraction of each GPU's total memory, so a GPU another model already uses gets a lower fraction.
  const util = Math.min(
    VLLM_DEFAULT_GPU_MEMORY_UTILIZATION,
    ...set.map((g) => {
      const total = g.gpu.vramMiB * 1024 * 1024;
      const free = g.freeBytes >= total ? total : g.freeBytes - VLLM_SHARED_GPU_MARGIN_BYTES;
      return Math.floor((free / total) * 100) / 100;
    }),
  );
  const weightsPerGpu = variant.weightsBytes / tp;
  const perRequest = kvCacheBytes(s, {
    tokensPerSeq: input.maxModelLen,
    seqs: 1,
    typeK: input.kvType,
    typeV: input.kvType,
    engine: 'vllm',
  });
  // KV heads split over the GPUs; with fewer KV heads than GPUs each GPU keeps a replica of one.
  const kvShare = s.mla ? 1 : Math.max(1, s.kvHeads / tp) / s.kvHeads;
  const perRequestPerGpu = perRequest * kvShare;
  const shares: GpuShare[] = [];
  let minPool = Number.POSITIVE_INFINITY;
  for (const g of set) {
    const budget = util * g.gpu.vramMiB * 1024 * 1024;
    const pool = budget - weightsPerGpu - VLLM_OVERHEAD_BYTES;
    minPool = Math.min(minPool, pool);
    shares.push({
      index: g.gpu.index,
      weightsBytes: Math.round(weightsPerGpu),
      kvCacheBytes: Math.max(0, Math.round(pool)),
      overheadBytes: VLLM_OVERHEAD_BYTES,
      totalBytes: Math.round(budget),
    });
  }
  const fullLengthRequests = minPool > 0 ? Math.floor(minPool / perRequestPerGpu) : 0;
  const tpText = tp > 1 ? ` with tensor parallel ${tp}` : '';
  // The pool holds the tokens the agents are expected to hold at once (EXPECTED_CONTEXT_FILL of each window), and
  // at least one full-length request, which vLLM checks at start.
  const expectedRequests = Math.max(1, input.agents * EXPECTED_CONTEXT_FILL);
  if (minPool < perRequestPerGpu * expectedRequests) {
    const need = weightsPerGpu + VLLM_OVERHEAD_BYTES + perRequestPerGpu * expectedRequests;
    return {
      ok: false,
      reason: `${variant.quant} needs ${formatGiB(need)} per GPU${tpText} for ${input.agents} agents × ${input.maxModelLen} tokens (half of each window in use at once), ${formatGiB(util * (set[0]?.gpu.vramMiB ?? 0) * 1024 * 1024)} available at --gpu-memory-utilization ${util}`,
    };
  }
  const activeFraction = s.activeParams ? s.activeParams / s.params : 1;
  const tokenBytesPerGpu = weightsPerGpu * activeFraction + perRequestPerGpu * 0.5;
  const slowest = Math.min(...set.map((g) => g.gpu.bandwidthGBs));
  const efficiency = BANDWIDTH_EFFICIENCY * (tp > 1 ? TENSOR_PARALLEL_EFFICIENCY : 1);
  return {
    ok: true,
    arrangement: {
      tensorParallel: tp,
      gpuMemoryUtilization: util,
      kvCacheDtype,
      perGpu: shares.sort((a, b) => a.index - b.index),
      kvCacheBytes: shares.reduce((a, g) => a + g.kvCacheBytes, 0),
      fullLengthRequests,
      estTokensPerSec: (slowest * 1e9 * efficiency) / tokenBytesPerGpu,
    },
  };
}
