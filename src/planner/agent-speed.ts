import type { CandidateRequest, Option, Resources } from './candidate.js';
import { PROMPT_TOKENS_FOR_ESTIMATE } from './coding-policy.js';
import { kvCacheBytes } from './kv-cache.js';
import {
  CPU_GFLOPS_PER_CORE,
  LLAMA_CPP_UBATCH,
  PCIE_BANDWIDTH_GBS,
  PREFILL_EFFICIENCY,
  TENSOR_PARALLEL_EFFICIENCY,
} from './memory-constants.js';

/** What a coding agent feels beyond single-stream decode: prompt processing and throughput under load. */
export interface AgentSpeed {
  /** Seconds to process a PROMPT_TOKENS_FOR_ESTIMATE-token prompt. */
  promptSeconds: number;
  /** Decode tokens/s summed over `agents` streams generating at once. */
  aggregateTokensPerSec: number;
}

/**
 * FLOPs of one forward pass over a `tokens`-token prompt: 2 per active weight per token, plus causal attention
 * (QKᵀ and AV: 2 matmuls × 2 FLOP × T²/2 per head dim, per head, per cached layer; sliding-window layers attend to
 * at most the window).
 */
export function promptFlops(o: Pick<Option, 'model'>, tokens: number): number {
  const s = o.model.shape;
  const active = s.activeParams ?? s.params;
  const fullLayers = (s.kvLayers ?? s.layers) - (s.slidingWindow?.layers ?? 0);
  const swa = s.slidingWindow
    ? s.slidingWindow.layers * tokens * Math.min(tokens, s.slidingWindow.window) * 2
    : 0;
  const attention = 2 * s.heads * s.headDim * (fullLayers * tokens * tokens + swa);
  return 2 * active * tokens + attention;
}

/**
 * Prompt time and aggregate decode for a placed option (pure).
 *
 * Prompt processing is compute-bound: the prompt's FLOPs (promptFlops) at PREFILL_EFFICIENCY of each device's dense
 * FP16 tensor throughput, layer by layer on the device that holds the layer (a llama.cpp layer split runs the
 * devices one after another; the CPU share at CPU_GFLOPS_PER_CORE × cores), or over all tensor-parallel GPUs at
 * once for vLLM.
 *
 * Aggregate decode: one decode step reads the active weights once for every stream, plus each stream's own KV
 * cache (half full on average). With N streams the step reads W·u(N) + N·K bytes, where the single-stream step
 * (1 / estTokensPerSec) is W + K. For a dense model u(N) = 1. For MoE only the routed experts multiply: the
 * always-read part (attention projections, shared experts, the LM head — alwaysReadParams) is read once, the
 * routed part up to min(N, experts / active) times (the distinct experts N tokens touch, an upper bound).
 * aggregate = N / step time.
 */
export function agentSpeed(
  o: Option,
  req: Pick<CandidateRequest, 'agents' | 'ctxPerAgent'>,
  res: Resources,
): AgentSpeed {
  const flops = promptFlops(o, PROMPT_TOKENS_FOR_ESTIMATE);
  const s = o.model.shape;
  let promptSeconds: number;
  if (o.engine === 'vllm') {
    const gpus = res.gpus.filter((g) => o.perGpu.some((p) => p.index === g.index));
    const tflops =
      gpus.reduce((a, g) => a + g.fp16TFlops, 0) *
      ((o.tensorParallel ?? 1) > 1 ? TENSOR_PARALLEL_EFFICIENCY : 1);
    promptSeconds = flops / (tflops * 1e12 * PREFILL_EFFICIENCY);
  } else {
    const layersOnGpus = o.gpuLayers ? Math.max(0, o.gpuLayers - 1) : 0;
    const split = o.tensorSplit ?? (o.perGpu.length === 1 ? [layersOnGpus] : []);
    let seconds = 0;
    o.perGpu.forEach((share, i) => {
      const gpu = res.gpus.find((g) => g.index === share.index);
      const layers = Math.min(split[i] ?? 0, s.layers);
      seconds += (flops * layers) / s.layers / ((gpu?.fp16TFlops ?? 60) * 1e12 * PREFILL_EFFICIENCY);
    });
    const cpuLayers = s.layers - Math.min(s.layers, layersOnGpus);
    seconds += (flops * cpuLayers) / s.layers / (res.cpuCores * CPU_GFLOPS_PER_CORE * 1e9);
    // Expert offload: for a prompt-sized batch llama.cpp runs the RAM-resident experts on the GPU, copying them
    // over PCIe once per micro-batch (`-ub`).
    if (o.cpuMoeBytes)
      seconds +=
        Math.ceil(PROMPT_TOKENS_FOR_ESTIMATE / LLAMA_CPP_UBATCH) *
        (o.cpuMoeBytes / (PCIE_BANDWIDTH_GBS * 1e9));
    promptSeconds = seconds;
  }

  const activeFraction = s.activeParams ? s.activeParams / s.params : 1;
  const weightRead = o.variant.weightsBytes * activeFraction;
  const kvRead =
    kvCacheBytes(s, {
      tokensPerSeq: req.ctxPerAgent,
      seqs: 1,
      typeK: o.kvType,
      typeV: o.kvType,
      engine: o.engine,
    }) * 0.5;
  const single = 1 / Math.max(o.estTokensPerSec, 1e-9);
  const wShare = weightRead / (weightRead + kvRead);
  const n = Math.max(1, req.agents);
  const routedShare = s.experts ? Math.max(0, 1 - alwaysReadParams(o) / (s.activeParams ?? s.params)) : 0;
  const union = s.experts ? Math.min(n, s.experts.total / s.experts.active) : 1;
  const weightFactor = 1 - routedShare + routedShare * union;
  const step = single * (wShare * weightFactor + (1 - wShare) * n);
  return { promptSeconds, aggregateTokensPerSec: n / step };
}

/**
 * Parameters every token reads whatever the router picks: per layer the attention projections (Q and O of
 * heads × head_dim, K and V of KV heads × head_dim, each × hidden) and the shared experts (3 × hidden × FFN width),
 * plus the LM head (vocab × hidden).
 */
export function alwaysReadParams(o: Pick<Option, 'model'>): number {
  const s = o.model.shape;
  const attention = s.hiddenSize * s.headDim * (2 * s.heads + 2 * s.kvHeads);
  const shared = (s.experts?.shared ?? 0) * 3 * s.hiddenSize * s.ffnSize;
  return s.layers * (attention + shared) + s.vocabSize * s.hiddenSize;
}
