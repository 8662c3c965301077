import { QUANTS } from '../catalog/quant-types.js';
import type { CatalogModel, Variant } from '../catalog/types.js';
import { agentSpeed } from './agent-speed.js';
import {
  EXPECTED_CONTEXT_FILL,
  FLOOR_ADVICE,
  KV_QUALITY_LOSS,
  MIN_AGENT_TOKENS_PER_SEC,
  meetsWeightFloor,
  SLOW_PROMPT_SECONDS,
} from './coding-policy.js';
import type { ResolvedGpu } from './gpu-bandwidth.js';
import { VLLM_KV_DTYPE } from './kv-cache.js';
import { fitLlamaCpp, type GpuBudget } from './llama-cpp-fit.js';
import { MIN_TOKENS_PER_SEC } from './memory-constants.js';
import { MIN_CODER_QUALITY } from './quality-floor.js';
import type { EngineName, GpuShare, KvCacheType, Priority } from './types.js';
import { fitVllm, tensorParallelRefusal } from './vllm-fit.js';

/** The machine as the planner sees it while placing roles one after another. */
export interface Resources {
  gpus: ResolvedGpu[];
  /** Free bytes per GPU index. */
  gpuFree: Map<number, number>;
  ramFreeBytes: number;
  cpuBandwidthGBs: number;
  cpuCores: number;
}

/** What a candidate is evaluated against. */
export interface CandidateRequest {
  ctxPerAgent: number;
  agents: number;
  kvCacheTypes: KvCacheType[];
  flashAttention: boolean;
  engines: EngineName[];
  /** Plan weights below 4-bit K-quants (coding-policy.ts); only when the user asks. */
  allowLowBitWeights?: boolean;
}

/** A variant placed on the machine: everything the Plan entry needs, plus what ranks it. */
export interface Option {
  model: CatalogModel;
  variant: Variant;
  engine: EngineName;
  kvType: KvCacheType;
  perGpu: GpuShare[];
  cpuBytes: number;
  kvCacheBytes: number;
  overheadBytes: number;
  contextLength: number;
  fullyOnGpu: boolean;
  /** Why not every layer is on a GPU, when some run on the CPU. */
  gpuShortfall?: string;
  estTokensPerSec: number;
  gpuLayers?: number;
  tensorSplit?: number[];
  tensorParallel?: number;
  gpuMemoryUtilization?: number;
  kvCacheDtype?: string;
  /** MoE expert offload (`--n-cpu-moe`): layers whose routed experts stay in RAM, and their bytes. */
  cpuMoeLayers?: number;
  cpuMoeBytes?: number;
  /** Seconds to process a PROMPT_TOKENS_FOR_ESTIMATE-token prompt (agent-speed.ts). */
  promptSeconds: number;
  /** Decode tokens/s summed over all agents generating at once. */
  aggregateTokensPerSec: number;
  notes: string[];
}

/** KV cache types in the order the planner tries them; what each costs is KV_QUALITY_LOSS (coding-policy.ts). */
const KV_PREFERENCE: KvCacheType[] = ['f16', 'q8_0', 'q4_0'];

/** Quality score of an option: the model's rank plus the losses of its weight and KV quantization. */
export function qualityScore(o: Pick<Option, 'model' | 'variant' | 'kvType'>): number {
  return o.model.quality + QUANTS[o.variant.quant].quality + KV_QUALITY_LOSS[o.kvType];
}

/**
 * Rank key, compared lexicographically (higher is better). Options with every layer on a GPU always beat
 * partially offloaded ones; then `quality` orders by score and `speed` by tokens/s, using the other as tie-break.
 * `speed` ranks only among options above a quality floor (quality-floor.ts; `speedFloor`, default the absolute
 * MIN_CODER_QUALITY) with ≥ 4-bit weights: a 2-bit model or the random-weight smoke model is fast and useless.
 */
export function rankKey(o: Option, priority: Priority, speedFloor = MIN_CODER_QUALITY): number[] {
  const score = qualityScore(o);
  const speed = Math.round(o.estTokensPerSec * 10) / 10;
  // Placements an agent can work with (MIN_AGENT_TOKENS_PER_SEC) come before those it cannot, then quality.
  const usable = o.estTokensPerSec >= MIN_AGENT_TOKENS_PER_SEC ? 1 : 0;
  // MoE expert offload counts as on the GPU when an agent can work with it: usable decode and a first prompt
  // within SLOW_PROMPT_SECONDS ("when that lets a 24–32 GB card run a better model at a usable speed").
  // Every layer on a GPU ranks first, then a usable expert offload, then the rest.
  const tier = o.fullyOnGpu
    ? 2
    : o.cpuMoeLayers !== undefined && usable === 1 && o.promptSeconds <= SLOW_PROMPT_SECONDS
      ? 1
      : 0;
  if (priority === 'quality') return [tier > 0 ? 1 : 0, usable, score, tier, speed];
  const aboveFloor = QUANTS[o.variant.quant].quality >= -3 && score >= speedFloor;
  return [tier > 0 ? 1 : 0, aboveFloor ? 1 : 0, speed, score];
}

/** Compares two rank keys; positive when `a` ranks higher. */
export function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Evaluates one variant against the free resources: every allowed KV cache type (and, for vLLM, every
 * tensor-parallel size), keeping the best placement, or the reasons none works.
 */
export function evaluateVariant(
  model: CatalogModel,
  variant: Variant,
  req: CandidateRequest,
  res: Resources,
  priority: Priority,
): { option: Option } | { reason: string } {
  if (!req.engines.includes(variant.engine)) return { reason: `engine ${variant.engine} not allowed` };
  if (!req.allowLowBitWeights && !meetsWeightFloor(variant.quant))
    return {
      reason: `${variant.quant} is below the coding floor (4-bit K-quants); planned only when asked for: ${FLOOR_ADVICE} instead`,
    };
  const budgets: GpuBudget[] = res.gpus.map((gpu) => ({ gpu, freeBytes: res.gpuFree.get(gpu.index) ?? 0 }));
  const kvTypes = KV_PREFERENCE.filter((t) => req.kvCacheTypes.includes(t));
  const options: Option[] = [];
  const reasons: string[] = [];

  for (const kvType of variant.engine === 'llama.cpp' ? kvTypes : []) {
    {
      const fit = fitLlamaCpp({
        model,
        variant,
        ctxPerSlot: req.ctxPerAgent,
        parallel: req.agents,
        kvType,
        flashAttention: req.flashAttention,
        gpus: budgets,
        ramFreeBytes: res.ramFreeBytes,
        cpuBandwidthGBs: res.cpuBandwidthGBs,
      });
      if (!fit.ok) {
        reasons.push(`${kvType} KV cache: ${fit.reason}`);
        continue;
      }
      const a = fit.arrangement;
      options.push({
        model,
        variant,
        engine: 'llama.cpp',
        kvType,
        perGpu: a.perGpu,
        cpuBytes: a.cpuBytes,
        kvCacheBytes: a.kvCacheBytes,
        overheadBytes: a.overheadBytes,
        contextLength: a.nCtx,
        fullyOnGpu: a.fullyOnGpu,
        gpuShortfall: a.gpuShortfall,
        estTokensPerSec: a.estTokensPerSec,
        gpuLayers: a.gpuLayers,
        tensorSplit: a.tensorSplit,
        ...(a.cpuMoeLayers ? { cpuMoeLayers: a.cpuMoeLayers, cpuMoeBytes: a.cpuMoeBytes } : {}),
        promptSeconds: 0,
        aggregateTokensPerSec: 0,
        notes: a.cpuMoeLayers
          ? [
              `MoE expert offload: ${a.gpuShortfall ?? ''}; decode ~${a.estTokensPerSec.toFixed(1)} tokens/s (--n-cpu-moe ${a.cpuMoeLayers})`,
            ]
          : a.cpuLayers > 0 && res.gpus.length > 0
            ? [
                `${a.cpuLayers} of ${model.shape.layers} layers run on the CPU (${a.gpuShortfall ?? 'VRAM short'}); decode slows to ~${a.estTokensPerSec.toFixed(1)} tokens/s`,
              ]
            : [],
      });
    }
  }
  if (variant.engine === 'vllm') evaluateVllm(model, variant, req, res, budgets, kvTypes, options, reasons);

  for (const o of options) Object.assign(o, agentSpeed(o, req, res));
  // On the CPU alone an f16 cache is decoded faster than a quantized one (llama.cpp dequantizes it for attention
  // on every step), so the first KV type in preference order that fits is kept.
  // (Among the placements an agent can work with, when there are any.)
  const agentSpeedOk = options.filter((o) => o.estTokensPerSec >= MIN_AGENT_TOKENS_PER_SEC);
  const kvPool = agentSpeedOk.length > 0 ? agentSpeedOk : options;
  const firstKv =
    res.gpus.length === 0 ? KV_PREFERENCE.find((t) => kvPool.some((o) => o.kvType === t)) : undefined;
  const usable = options.filter(
    (o) => o.estTokensPerSec >= MIN_TOKENS_PER_SEC && (!firstKv || o.kvType === firstKv),
  );
  if (usable.length === 0 && options.length > 0) {
    const fastest = options.reduce((b, o) => (o.estTokensPerSec > b.estTokensPerSec ? o : b));
    const slow = `with layers on the CPU it would decode at only ~${fastest.estTokensPerSec.toFixed(2)} tokens/s`;
    return {
      reason: `${collapse([...reasons, ...(fastest.gpuShortfall ? [`${fastest.kvType} KV cache: ${fastest.gpuShortfall}`] : [])])}; ${slow}`,
    };
  }
  if (usable.length === 0) return { reason: collapse(reasons) || 'no placement found' };
  const best = usable.reduce((b, o) => {
    const d = compareKeys(rankKey(o, priority), rankKey(b, priority));
    return d > 0 || (d === 0 && o.perGpu.length < b.perGpu.length) ? o : b;
  });
  // The refusals that explain the choice (a tensor-parallel size that does not divide, a KV type that did not fit).
  const offloaded = options
    .filter(
      (o) =>
        o !== best && o.gpuShortfall && KV_PREFERENCE.indexOf(o.kvType) < KV_PREFERENCE.indexOf(best.kvType),
    )
    .map((o) => `${o.kvType} KV cache: ${o.gpuShortfall}`);
  return { option: { ...best, notes: [...best.notes, ...offloaded, ...reasons] } };
}

/** Joins per-KV-type reasons, once when they all say the same thing. */
function collapse(reasons: string[]): string {
  const bodies = [...new Set(reasons.map((r) => r.replace(/^\w+ KV cache: /, '')))];
  return bodies.length === 1 ? (bodies[0] ?? '') : reasons.join('; ');
}

/** vLLM over every tensor-parallel size the GPUs allow; a size that cannot split the heads is refused once. */
function evaluateVllm(
  model: CatalogModel,
  variant: Variant,
  req: CandidateRequest,
  res: Resources,
  budgets: GpuBudget[],
  kvTypes: KvCacheType[],
  options: Option[],
  reasons: string[],
): void {
  if (res.gpus.length === 0) {
    reasons.push('vLLM needs an NVIDIA GPU');
    return;
  }
  for (let tp = 1; tp <= res.gpus.length; tp++) {
    const refusal = tensorParallelRefusal(model, tp);
    if (refusal) {
      reasons.push(refusal);
      continue;
    }
    for (const kvType of kvTypes.filter((t) => VLLM_KV_DTYPE[t] !== undefined)) {
      const fit = fitVllm({
        model,
        variant,
        maxModelLen: req.ctxPerAgent,
        agents: req.agents,
        kvType,
        gpus: budgets,
        tensorParallel: tp,
      });
      if (!fit.ok) {
        reasons.push(`${kvType} KV cache: ${fit.reason}`);
        continue;
      }
      const a = fit.arrangement;
      options.push({
        model,
        variant,
        engine: 'vllm',
        kvType,
        perGpu: a.perGpu,
        cpuBytes: 0,
        kvCacheBytes: a.kvCacheBytes,
        overheadBytes: a.perGpu.reduce((s, g) => s + g.overheadBytes, 0),
        contextLength: req.ctxPerAgent,
        fullyOnGpu: true,
        estTokensPerSec: a.estTokensPerSec,
        tensorParallel: a.tensorParallel,
        gpuMemoryUtilization: a.gpuMemoryUtilization,
        kvCacheDtype: a.kvCacheDtype,
        promptSeconds: 0,
        aggregateTokensPerSec: 0,
        notes: [
          `KV pool holds ${a.fullLengthRequests} full ${req.ctxPerAgent}-token windows (${req.agents} agents at half their window need ${Math.ceil(req.agents * EXPECTED_CONTEXT_FILL)})`,
        ],
      });
    }
  }
}
