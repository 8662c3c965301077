import {
  type CandidateRequest,
  evaluateVariant,
  type Option,
  qualityScore,
  type Resources,
} from './candidate.js';
import { MIN_AGENT_TOKENS_PER_SEC, SLOW_PROMPT_SECONDS } from './coding-policy.js';
import { engineArgs } from './planned-model.js';
import type { GpuShare, Priority } from './types.js';

/** One more copy of a planned model on its own GPUs (its own engine entry and port in the Plan). */
export interface ReplicaPlacement {
  gpus: number[];
  perGpu: GpuShare[];
  cpuBytes: number;
  args: string[];
  estTokensPerSec: number;
  aggregateTokensPerSec: number;
  promptSeconds20k: number;
}

/** Copies of one model that together serve a role: the first becomes the Plan entry, the rest its replicas. */
export interface ReplicaChoice {
  copies: Option[];
  agentsPerCopy: number;
  /** Decode tokens/s summed over every copy with all its agents generating. */
  aggregateTokensPerSec: number;
}

/**
 * Aggregate decode a set of copies must beat one engine by before the planner splits: a second engine pays for a
 * second copy of the weights and its own prompt cache, so a split is taken for a clear gain only.
 */
export const REPLICA_MIN_GAIN = 1.1;

/**
 * Data-parallel replicas (issue 16): the role's model run as R identical engines, each on its own group of GPUs
 * with its own port, the agents divided between them, and the gateway balancing sessions over the copies
 * (gateway/replica-balancer.ts). Tried for R = 2 … |pool| over `pool` (the GPUs of the chosen placement plus
 * those nothing uses yet), in consecutive groups of ⌊|pool| / R⌋ GPUs. A split is taken when:
 *
 * - every copy has each layer on its GPUs and scores the same as the single engine (same quantization, KV type no
 *   worse), and keeps an agent's full window: a copy must never make a request worse;
 * - each copy still decodes at a usable speed for one agent (MIN_AGENT_TOKENS_PER_SEC) and processes Claude
 *   Code's first prompt within SLOW_PROMPT_SECONDS (or as fast as the single engine);
 * - the copies together decode faster for the Plan's agents than the single engine, by REPLICA_MIN_GAIN. A model
 *   that fits on fewer GPUs than the box has gains most: a llama.cpp layer split runs its GPUs one after another,
 *   so a second GPU adds memory but no speed (llama.cpp `--split-mode layer`, tools/server/README.md), while a
 *   second copy serves a second group of agents at once; vLLM's own data-parallel mode is the same idea (vLLM
 *   docs, "Data Parallel Deployment": one engine per replica, requests balanced across them).
 *
 * Among the splits that qualify, the highest aggregate wins (fewer copies on a tie). Pure.
 */
export function chooseReplicas(
  single: Option,
  req: CandidateRequest,
  res: Resources,
  priority: Priority,
  pool: readonly number[],
): ReplicaChoice | undefined {
  if (!single.fullyOnGpu || single.cpuMoeLayers !== undefined || single.perGpu.length === 0) return undefined;
  const score = qualityScore(single);
  const promptLimit = Math.max(SLOW_PROMPT_SECONDS, single.promptSeconds);
  let best: ReplicaChoice | undefined;
  for (let copies = 2; copies <= pool.length && copies <= req.agents; copies++) {
    const width = Math.floor(pool.length / copies);
    const agentsPerCopy = Math.ceil(req.agents / copies);
    const placed: Option[] = [];
    let ramFree = res.ramFreeBytes;
    for (let c = 0; c < copies; c++) {
      const group = pool.slice(c * width, (c + 1) * width);
      const r = evaluateVariant(
        single.model,
        single.variant,
        { ...req, agents: agentsPerCopy },
        {
          ...res,
          gpus: res.gpus.filter((g) => group.includes(g.index)),
          gpuFree: new Map(group.map((i) => [i, res.gpuFree.get(i) ?? 0])),
          ramFreeBytes: ramFree,
        },
        priority,
      );
      if (!('option' in r)) break;
      const o = r.option;
      if (
        !o.fullyOnGpu ||
        o.cpuMoeLayers !== undefined ||
        qualityScore(o) < score - 1e-9 ||
        o.estTokensPerSec < MIN_AGENT_TOKENS_PER_SEC ||
        o.promptSeconds > promptLimit
      )
        break;
      ramFree -= o.cpuBytes;
      placed.push(o);
    }
    if (placed.length < copies) continue;
    const aggregate = placed.reduce((a, o) => a + o.aggregateTokensPerSec, 0);
    if (aggregate < single.aggregateTokensPerSec * REPLICA_MIN_GAIN) continue;
    if (!best || aggregate > best.aggregateTokensPerSec + 1e-9)
      best = { copies: placed, agentsPerCopy, aggregateTokensPerSec: aggregate };
  }
  return best;
}

/** A copy as the planner's output records it (the first copy is the PlannedModel itself). */
export function toReplicaPlacement(o: Option, agents: number, flashAttention: boolean): ReplicaPlacement {
  return {
    gpus: o.perGpu.map((g) => g.index),
    perGpu: o.perGpu,
    cpuBytes: o.cpuBytes,
    args: engineArgs(o, agents, flashAttention),
    estTokensPerSec: Math.round(o.estTokensPerSec * 10) / 10,
    aggregateTokensPerSec: Math.round(o.aggregateTokensPerSec * 10) / 10,
    promptSeconds20k: Math.round(o.promptSeconds * 10) / 10,
  };
}
