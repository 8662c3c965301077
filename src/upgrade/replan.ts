import { existsSync } from 'node:fs';
import { QUANTS } from '../catalog/quant-types.js';
import type { Catalog, CatalogModel, Variant } from '../catalog/types.js';
import { detectInventory } from '../detect/detect-inventory.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import { DEFAULT_SOURCES, intentFromDefaults } from '../planner/intent-defaults.js';
import { inventoryToHardware } from '../planner/inventory-to-hardware.js';
import { planModels } from '../planner/plan-models.js';
import type { Intent, PlannedModel } from '../planner/types.js';
import { classify } from '../profiles/classify.js';
import type { Profile } from '../profiles/types.js';
import type { ProposedEntry } from './plan-diff.js';

/** Where a planned model lives (the model locator `ops plan` writes into Plans). */
export type ModelPathFor = (e: PlannedModel) => string;

/** A model's quality with its weights' quantization: catalog quality + the quant's loss (KV type left out). */
export function weightsQuality(
  model: Pick<CatalogModel, 'quality'>,
  variant: Pick<Variant, 'quant'>,
): number {
  return model.quality + QUANTS[variant.quant].quality;
}

/**
 * The catalog model and variant stored at a model path, found by asking the same locator that wrote the Plan
 * where each catalog variant would live (pure apart from the locator). Undefined for a file the catalog does not
 * know (a model the user brought).
 */
export function catalogVariantAt(
  modelPath: string,
  catalog: Catalog,
  modelPathFor: ModelPathFor,
): { model: CatalogModel; variant: Variant } | undefined {
  for (const model of catalog.models) {
    for (const variant of model.variants) {
      // The locator reads only these fields of a planned entry.
      const located = modelPathFor({
        id: variant.id,
        modelId: model.id,
        quant: variant.quant,
        source: variant.source,
        file: variant.engine === 'llama.cpp' ? variant.file : undefined,
      } as PlannedModel);
      if (located === modelPath) return { model, variant };
    }
  }
  return undefined;
}

/**
 * The intent the running Plan was made with (pure): context per agent and agents from its widest routed entry,
 * the model sources its models came from (a Plan that runs the built-in smoke models asked for them, so its
 * upgrades stay among them; anything else plans hub models), the rest from the profile's defaults — so an
 * upgrade re-plans for the same work, not for today's defaults.
 */
export function intentOfRunningPlan(
  current: Plan,
  profile: Pick<Profile, 'id' | 'defaults'>,
  locate?: { catalog: Catalog; modelPathFor: ModelPathFor },
): Intent {
  const routed = new Set(Object.values(current.gateway?.aliases ?? {}));
  const entries = current.engines.filter(isContainerEntry);
  const basis = entries.filter((e) => routed.has(e.name));
  const widest = [...(basis.length ? basis : entries)].sort((a, b) => b.parallel - a.parallel)[0];
  const sources = new Set<'hf' | 'builtin'>();
  for (const e of basis.length ? basis : entries) {
    const found = locate && catalogVariantAt(e.model, locate.catalog, locate.modelPathFor);
    if (found) sources.add(found.variant.source.kind);
  }
  return intentFromDefaults(profile, {
    ...(widest
      ? { context: Math.floor(widest.contextLength / widest.parallel), agents: widest.parallel }
      : {}),
    sources: sources.size > 0 ? [...sources] : [...DEFAULT_SOURCES],
  });
}

/** The planner's entries as comparable proposals (pure apart from `exists`). */
export function proposedEntries(
  entries: readonly PlannedModel[],
  catalog: Catalog,
  modelPathFor: ModelPathFor,
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
      ...(spec ? { quality: weightsQuality(spec, { quant: e.quant as Variant['quant'] }) } : {}),
    }));
  });
}

/** Re-plans this machine for the running Plan's intent: what `ops plan` would choose now. */
export async function replanThisMachine(
  current: Plan,
  input: { catalog: Catalog; profiles: Profile[]; modelPathFor: ModelPathFor },
): Promise<{ proposed: ProposedEntry[]; profile: string; notes: string[] }> {
  const inventory = await detectInventory();
  const { hardware, notes } = inventoryToHardware(inventory);
  const classification = classify(inventory, input.profiles);
  const profile = input.profiles.find((p) => p.id === classification.id) ?? input.profiles[0];
  if (!profile) throw new Error('no hardware profile loaded');
  const intent = intentOfRunningPlan(current, profile, input);
  const proposal = planModels({ hardware, intent, catalog: input.catalog });
  return {
    proposed: proposedEntries(proposal.entries, input.catalog, input.modelPathFor),
    profile: profile.id,
    notes,
  };
}

/** The quality of the model at a running entry's path, when the catalog knows it (for holdDowngrades). */
export function runningQualityLookup(
  catalog: Catalog,
  modelPathFor: ModelPathFor,
): (modelPath: string) => number | undefined {
  return (modelPath) => {
    const found = catalogVariantAt(modelPath, catalog, modelPathFor);
    return found ? weightsQuality(found.model, found.variant) : undefined;
  };
}
