import type { CatalogModel } from '../catalog/types.js';
import type { Option, Resources } from './candidate.js';
import { kvCacheBytes } from './kv-cache.js';
import {
  formatGiB,
  GiB,
  LLAMA_CPP_GPU_RESERVE_BYTES,
  MiB,
  VLLM_DEFAULT_GPU_MEMORY_UTILIZATION,
  VLLM_OVERHEAD_BYTES,
} from './memory-constants.js';
import { contextLevels, evaluateRole, type RoleOutcome, requestFor } from './role-evaluation.js';
import type { Intent, PlannerRole } from './types.js';

/** Context lengths below `from` worth suggesting, longest first. */
function shorterContexts(from: number): number[] {
  const out: number[] = [];
  for (let c = Math.floor(from / 2 / 256) * 256; c >= 4096; c = Math.floor(c / 2 / 256) * 256) out.push(c);
  return out;
}

/** Which hardware profile a VRAM need points at (the profiles of `ops detect`). */
function profileFor(needBytes: number): string {
  if (needBytes <= 24 * GiB) return 'a consumer GPU with 24 GiB';
  if (needBytes <= 48 * GiB)
    return 'a prosumer machine (2 × 24 GiB with llama.cpp layer split, or one 48 GiB GPU)';
  return 'an enterprise machine (80 GB-class GPUs)';
}

/**
 * When nothing fits a role, what would: a shorter context, fewer agents, or the smallest variant's memory need
 * and the hardware profile that holds it. Pure: re-runs the fit with changed inputs.
 */
export function suggestAlternatives(
  models: CatalogModel[],
  role: PlannerRole,
  res: Resources,
  intent: Intent,
): string[] {
  const out: string[] = [];
  if (models.length === 0)
    return [`${role}: the catalog has no model for this role from the allowed sources`];
  const ctx = contextLevels(intent).at(-1) ?? 8192;
  // With GPUs, only a placement with every layer on them counts as fitting (partial offload is the fallback).
  const fits = (o: RoleOutcome) => o.best !== undefined && (o.best.fullyOnGpu || res.gpus.length === 0);
  const describe = (o: RoleOutcome) =>
    `${o.best?.variant.id} (~${o.best?.estTokensPerSec.toFixed(1)} tokens/s)`;

  for (const shorter of shorterContexts(ctx)) {
    const o = evaluateRole(models, role, requestFor(intent, shorter), res, intent);
    if (fits(o)) {
      out.push(`${role}: a shorter context: ${shorter} tokens per agent fits ${describe(o)}`);
      break;
    }
  }
  for (let agents = intent.agents - 1; agents >= 1; agents--) {
    const o = evaluateRole(models, role, requestFor(intent, ctx, agents), res, intent);
    if (fits(o)) {
      out.push(
        `${role}: fewer agents: ${agents} agent${agents === 1 ? '' : 's'} at ${ctx} tokens fit ${describe(o)}`,
      );
      break;
    }
  }

  // The least memory any variant needs, measured on one imaginary GPU big enough for anything.
  const big: Resources = {
    ...res,
    gpus: [
      {
        index: 0,
        name: 'any',
        vramMiB: 1024 * 1024,
        bandwidthGBs: res.gpus[0]?.bandwidthGBs ?? 1000,
        bandwidthKnown: true,
        fp16TFlops: res.gpus[0]?.fp16TFlops ?? 100,
      },
    ],
    gpuFree: new Map([[0, 1024 * 1024 * MiB]]),
    ramFreeBytes: Number.MAX_SAFE_INTEGER,
  };
  const sizing = evaluateRole(models, role, requestFor(intent, ctx), big, intent);
  const needs = sizing.ranked.map((o) => ({ o, bytes: vramNeed(o, ctx, intent.agents) }));
  const smallest = needs.sort((a, b) => a.bytes - b.bytes)[0];
  if (smallest) {
    const free = [...res.gpuFree.values()].reduce((a, b) => a + b, 0);
    const have = res.gpus.length > 0 ? `${formatGiB(free)} of VRAM free here` : 'this machine has no GPU';
    out.push(
      `${role}: a smaller quant or more VRAM: the smallest variant, ${smallest.o.variant.id}, needs ${formatGiB(smallest.bytes)} of VRAM at ${ctx} tokens × ${intent.agents} agents (${have}); ${profileFor(smallest.bytes)} would hold it`,
    );
  }
  return out;
}

/** VRAM an option needs on one GPU: llama.cpp's buffers plus its reserve; vLLM's weights, overhead and KV for every agent, over its memory fraction. */
function vramNeed(o: Option, ctx: number, agents: number): number {
  if (o.engine === 'llama.cpp')
    return o.perGpu.reduce((a, g) => a + g.totalBytes, 0) + LLAMA_CPP_GPU_RESERVE_BYTES;
  const kv = kvCacheBytes(o.model.shape, {
    tokensPerSeq: ctx,
    seqs: agents,
    typeK: o.kvType,
    typeV: o.kvType,
    engine: 'vllm',
  });
  return (o.variant.weightsBytes + VLLM_OVERHEAD_BYTES + kv) / VLLM_DEFAULT_GPU_MEMORY_UTILIZATION;
}
