import type { Catalog, CatalogModel } from '../catalog/types.js';
import { type Option, qualityScore, type Resources } from './candidate.js';
import {
  FAST_TIER_SUFFICIENT_TOKENS_PER_SEC,
  PROMPT_TOKENS_FOR_ESTIMATE,
  SLOW_PROMPT_SECONDS,
} from './coding-policy.js';
import { resolveGpu } from './gpu-bandwidth.js';
import { DEFAULT_SOURCES } from './intent-defaults.js';
import { DEFAULT_CPU_BANDWIDTH_GBS, formatGiB, MiB, ramReserveBytes } from './memory-constants.js';
import { optionToPlanned } from './planned-model.js';
import { SPEED_QUALITY_WINDOW } from './quality-floor.js';
import { chooseReplicas, toReplicaPlacement } from './replicas.js';
import { planRole, requestFor } from './role-evaluation.js';
import { suggestAlternatives } from './suggest.js';
import type { HardwareSpec, Intent, PlannedModel, PlannerRole, PlanProposal, Rejection } from './types.js';

/** Everything the planner reads. */
export interface PlannerInput {
  hardware: HardwareSpec;
  intent: Intent;
  catalog: Catalog;
}

/** Free resources of a machine before anything runs on it. */
export function initialResources(hardware: HardwareSpec, catalog: Catalog): Resources {
  const ramBytes = hardware.ramMiB * MiB;
  return {
    gpus: hardware.gpus.map((g) => resolveGpu(g, catalog.gpus)),
    gpuFree: new Map(hardware.gpus.map((g) => [g.index, g.vramMiB * MiB])),
    ramFreeBytes: ramBytes - ramReserveBytes(ramBytes),
    cpuBandwidthGBs: hardware.cpuBandwidthGBs ?? DEFAULT_CPU_BANDWIDTH_GBS,
    cpuCores: hardware.cpuCores,
  };
}

/** The catalog models that may serve a role under this intent. */
export function modelsForRole(catalog: Catalog, intent: Intent, role: PlannerRole): CatalogModel[] {
  const sources = intent.sources ?? DEFAULT_SOURCES;
  const engines = intent.engines ?? ['llama.cpp', 'vllm'];
  return catalog.models
    .filter((m) => m.roles.includes(role) && (!intent.models || intent.models.includes(m.id)))
    .map((m) => ({
      ...m,
      variants: m.variants.filter((v) => sources.includes(v.source.kind) && engines.includes(v.engine)),
    }))
    .filter((m) => m.variants.length > 0);
}

/**
 * Plans the models for an intent on a machine: for each role (quality coder first), the best variant that fits with
 * the requested context and agents in what earlier roles left free; its engine, arguments, GPUs, memory per GPU
 * and decode speed. Every candidate not taken is listed with its reason; when a role gets nothing, the proposal
 * says what would fit. Pure.
 */
export function planModels(input: PlannerInput): PlanProposal {
  const { hardware, intent, catalog } = input;
  const res = initialResources(hardware, catalog);
  const roles = [...new Set(intent.roles)].sort((a, b) => (a === b ? 0 : a === 'quality-coder' ? -1 : 1));
  const entries: PlannedModel[] = [];
  const rejected: Rejection[] = [];
  const suggestions: string[] = [];

  for (const role of roles) {
    const models = modelsForRole(catalog, intent, role);
    // A model already running that suits this role serves it too.
    const existing = entries.find((e) => models.some((m) => m.id === e.modelId));
    if (existing) {
      existing.alsoServes.push(role);
      continue;
    }
    const outcome = planRole(models, role, res, intent);
    // The alternatives that fit come first (ranked below the choice), then those that do not fit.
    const unfit = outcome.rejected;
    const best = outcome.best;
    // A running model fast enough for the quick tier serves it too, rather than a second model squeezed into
    // what the first left (FAST_TIER_SUFFICIENT_TOKENS_PER_SEC).
    const faster = entries.find(
      (e) =>
        !best ||
        e.estTokensPerSec >= best.estTokensPerSec ||
        e.estTokensPerSec >= FAST_TIER_SUFFICIENT_TOKENS_PER_SEC,
    );
    if (faster && role === 'fast-coder') {
      faster.alsoServes.push(role);
      faster.notes.push(
        best
          ? `also serves fast-coder: the best fast model that still fits, ${best.variant.id}, would be slower (~${best.estTokensPerSec.toFixed(1)} tokens/s)`
          : 'also serves fast-coder: no separate fast model fits beside it',
      );
      if (best) rejected.push(rankedBelow(role, best, `${faster.id} (already running) is at least as fast`));
      rejected.push(...unfit);
      continue;
    }
    // Nothing fits, or only with layers on the CPU: say what would fit on the GPUs.
    if (!best || (!best.fullyOnGpu && res.gpus.length > 0))
      suggestions.push(...suggestAlternatives(models, role, res, intent));
    if (!best) {
      rejected.push(...unfit);
      continue;
    }
    for (const o of outcome.ranked.slice(1))
      rejected.push(rankedBelow(role, o, best.variant.id, intent.priority, outcome.speedFloor));
    rejected.push(...unfit);
    // Data-parallel copies over the chosen GPUs and those nothing uses yet (replicas.ts).
    const flash = intent.flashAttention ?? true;
    const used = new Set(entries.flatMap((e) => [...e.gpus, ...(e.replicas ?? []).flatMap((r) => r.gpus)]));
    const pool = res.gpus
      .map((g) => g.index)
      .filter((i) => !used.has(i))
      .sort((a, b) => a - b);
    const split = chooseReplicas(best, requestFor(intent, outcome.ctxPerAgent), res, intent.priority, pool);
    const first = split?.copies[0] ?? best;
    const agents = split?.agentsPerCopy ?? intent.agents;
    const planned = optionToPlanned(first, role, agents, outcome.ctxPerAgent, flash);
    const copies = split?.copies ?? [best];
    if (split) {
      planned.replicas = split.copies.slice(1).map((o) => toReplicaPlacement(o, agents, flash));
      const groups = copies.map((o) => o.perGpu.map((g) => g.index).join('+')).join(' | ');
      planned.notes.push(
        `data-parallel: ${copies.length} copies on GPU ${groups}, each ${agents} agent${agents === 1 ? '' : 's'} × ${outcome.ctxPerAgent} tokens on its own port; the gateway keeps each session on one copy and sends new ones to the least busy: ~${split.aggregateTokensPerSec.toFixed(1)} tokens/s for all ${copies.length * agents} agents against ~${best.aggregateTokensPerSec.toFixed(1)} from one engine over GPU ${best.perGpu.map((g) => g.index).join('+')}`,
      );
    }
    if (best.promptSeconds > SLOW_PROMPT_SECONDS)
      planned.notes.push(
        `a ${PROMPT_TOKENS_FOR_ESTIMATE}-token prompt (Claude Code's first request) takes ~${Math.round(best.promptSeconds)} s to process here: first turns will be slow`,
      );
    entries.push(planned);
    for (const o of copies) {
      for (const g of o.perGpu) res.gpuFree.set(g.index, (res.gpuFree.get(g.index) ?? 0) - g.totalBytes);
      res.ramFreeBytes -= o.cpuBytes;
    }
  }
  return { entries, rejected, suggestions };
}

function rankedBelow(
  role: PlannerRole,
  o: Option,
  chosen: string,
  priority?: Intent['priority'],
  speedFloor?: number,
): Rejection {
  const where = o.fullyOnGpu
    ? formatGiB(o.perGpu.reduce((a, g) => a + g.totalBytes, 0))
    : `${formatGiB(o.cpuBytes)} RAM + GPU`;
  const score = qualityScore(o);
  const why =
    priority === 'speed' && speedFloor !== undefined && score < speedFloor
      ? `fits (${where}, ~${o.estTokensPerSec.toFixed(1)} tokens/s) but its score ${score.toFixed(1)} is under the speed floor ${speedFloor.toFixed(1)} (speed gives up at most ${SPEED_QUALITY_WINDOW} points against the best that fits)`
      : priority
        ? `fits (${where}, score ${qualityScore(o).toFixed(1)}, ~${o.estTokensPerSec.toFixed(1)} tokens/s, 20K prompt ~${o.promptSeconds.toFixed(1)} s${o.gpuShortfall ? `, but ${o.gpuShortfall}` : ''}) but ${chosen} ranks higher for ${priority}`
        : `fits (${where}) but ${chosen}`;
  return {
    role,
    id: o.variant.id,
    modelId: o.model.id,
    quant: o.variant.quant,
    engine: o.engine,
    reason: why,
  };
}
