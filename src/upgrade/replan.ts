import { existsSync } from 'node:fs';
import type { Catalog } from '../catalog/types.js';
import { detectInventory } from '../detect/detect-inventory.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import { intentFromDefaults } from '../planner/intent-defaults.js';
import { inventoryToHardware } from '../planner/inventory-to-hardware.js';
import { planModels } from '../planner/plan-models.js';
import type { Intent, PlannedModel } from '../planner/types.js';
import { classify } from '../profiles/classify.js';
import type { Profile } from '../profiles/types.js';
import type { ProposedEntry } from './plan-diff.js';

/**
 * The intent the running Plan was made with (pure): context per agent and agents from its widest routed entry,
 * the rest from the profile's defaults — so an upgrade re-plans for the same work, not for today's defaults.
 */
export function intentOfRunningPlan(current: Plan, profile: Pick<Profile, 'id' | 'defaults'>): Intent {
  const routed = new Set(Object.values(current.gateway?.aliases ?? {}));
  const entries = current.engines.filter(isContainerEntry);
  const basis = entries.filter((e) => routed.has(e.name));
  const widest = [...(basis.length ? basis : entries)].sort((a, b) => b.parallel - a.parallel)[0];
  return intentFromDefaults(profile, {
    ...(widest
      ? { context: Math.floor(widest.contextLength / widest.parallel), agents: widest.parallel }
      : {}),
  });
}

/** The planner's entries as comparable proposals (pure apart from `exists`). */
export function proposedEntries(
  entries: readonly PlannedModel[],
  catalog: Catalog,
  modelPathFor: (e: PlannedModel) => string,
  exists: (path: string) => boolean = existsSync,
): ProposedEntry[] {
  return entries.flatMap((e) => {
    const model = modelPathFor(e);
    const spec = catalog.models.find((m) => m.id === e.modelId);
    const builtin = e.source.kind === 'builtin';
    const predicted = {
      gpuBytes: Object.fromEntries(e.perGpu.map((g) => [g.index, g.totalBytes])),
      cpuBytes: e.perGpu.length === 0 ? e.totalBytes : e.cpuBytes,
    };
    return [e.role, ...e.alsoServes].map((role) => ({
      role,
      label: `${e.modelId} ${e.quant}`,
      model,
      contextLength: e.contextLength,
      parallel: e.parallel,
      args: e.args,
      gpus: e.gpus,
      predicted,
      totalBytes: e.totalBytes,
      estTokensPerSec: e.estTokensPerSec,
      downloadBytes: builtin || exists(model) ? 0 : e.weightsBytes,
      builtin,
      // The catalog names a tool-call parser for models that make tool calls (the smoke model names none).
      supportsTools: spec?.toolCallParser !== undefined,
    }));
  });
}

/** Re-plans this machine for the running Plan's intent: what `ops plan` would choose now. */
export async function replanThisMachine(
  current: Plan,
  input: { catalog: Catalog; profiles: Profile[]; modelPathFor: (e: PlannedModel) => string },
): Promise<{ proposed: ProposedEntry[]; profile: string; notes: string[] }> {
  const inventory = await detectInventory();
  const { hardware, notes } = inventoryToHardware(inventory);
  const classification = classify(inventory, input.profiles);
  const profile = input.profiles.find((p) => p.id === classification.id) ?? input.profiles[0];
  if (!profile) throw new Error('no hardware profile loaded');
  const intent = intentOfRunningPlan(current, profile);
  const proposal = planModels({ hardware, intent, catalog: input.catalog });
  return {
    proposed: proposedEntries(proposal.entries, input.catalog, input.modelPathFor),
    profile: profile.id,
    notes,
  };
}
