import type { CatalogModel } from '../catalog/types.js';
import {
  type CandidateRequest,
  compareKeys,
  evaluateVariant,
  type Option,
  qualityScore,
  type Resources,
  rankKey,
} from './candidate.js';
import { MIN_CONTEXT_PER_AGENT } from './coding-policy.js';
import { speedQualityFloor } from './quality-floor.js';
import type { Intent, PlannerRole, Rejection } from './types.js';

export interface RoleOutcome {
  best?: Option;
  ranked: Option[];
  rejected: Rejection[];
  ctxPerAgent: number;
  /** The quality a `speed` candidate must reach (quality-floor.ts). */
  speedFloor: number;
}

/**
 * Evaluates every variant of every model for one role at one context and ranks those that fit. Pure; does not
 * consume resources.
 */
export function evaluateRole(
  models: CatalogModel[],
  role: PlannerRole,
  req: CandidateRequest,
  res: Resources,
  intent: Intent,
): RoleOutcome {
  const options: Option[] = [];
  const rejected: Rejection[] = [];
  for (const model of models) {
    for (const variant of model.variants) {
      const r = evaluateVariant(model, variant, req, res, intent.priority);
      if ('option' in r) options.push(r.option);
      else
        rejected.push({
          role,
          id: variant.id,
          modelId: model.id,
          quant: variant.quant,
          engine: variant.engine,
          reason: r.reason,
        });
    }
  }
  // Speed gives up at most SPEED_QUALITY_WINDOW points against the best that fits (quality-floor.ts).
  const floor = speedQualityFloor(Math.max(...options.map(qualityScore), Number.NEGATIVE_INFINITY));
  const ranked = [...options].sort((a, b) => {
    const d = compareKeys(rankKey(b, intent.priority, floor), rankKey(a, intent.priority, floor));
    return d !== 0 ? d : a.perGpu.length - b.perGpu.length;
  });
  return { best: ranked[0], ranked, rejected, ctxPerAgent: req.ctxPerAgent, speedFloor: floor };
}

/** Context levels to try for an intent: the one it names, else the minimum a coding agent needs (coding-policy.ts). */
export function contextLevels(intent: Intent): number[] {
  return intent.contextLength ? [intent.contextLength] : [MIN_CONTEXT_PER_AGENT];
}

/** The role at the first context level where anything fits (the requested level when nothing does). */
export function planRole(
  models: CatalogModel[],
  role: PlannerRole,
  res: Resources,
  intent: Intent,
): RoleOutcome {
  let first: RoleOutcome | undefined;
  for (const ctx of contextLevels(intent)) {
    const outcome = evaluateRole(models, role, requestFor(intent, ctx), res, intent);
    first ??= outcome;
    if (outcome.best) return outcome;
  }
  return first as RoleOutcome;
}

export function requestFor(intent: Intent, ctxPerAgent: number, agents = intent.agents): CandidateRequest {
  return {
    ctxPerAgent,
    agents,
    kvCacheTypes: intent.kvCacheTypes,
    flashAttention: intent.flashAttention ?? true,
    engines: intent.engines ?? ['llama.cpp', 'vllm'],
    ...(intent.allowLowBitWeights ? { allowLowBitWeights: true } : {}),
  };
}
