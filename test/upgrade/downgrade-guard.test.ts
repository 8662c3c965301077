import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { Plan } from '../../src/plan/types.js';
import type { PlannedModel } from '../../src/planner/types.js';
import { planModelOf } from '../../src/store/model-location.js';
import { holdDowngrades, type RoleChange } from '../../src/upgrade/plan-diff.js';
import {
  catalogVariantAt,
  intentOfRunningPlan,
  runningQualityLookup,
  weightsQuality,
} from '../../src/upgrade/replan.js';

const catalog = loadCatalog();
const locate = (e: PlannedModel) => planModelOf(e);
const pathOf = (modelId: string, quant: string) => {
  const model = catalog.models.find((m) => m.id === modelId);
  const variant = model?.variants.find((v) => v.quant === quant && v.engine === 'llama.cpp');
  assert.ok(model && variant, `${modelId} ${quant}`);
  return locate({
    modelId,
    quant,
    source: variant.source,
    file: variant.engine === 'llama.cpp' ? variant.file : undefined,
  } as PlannedModel);
};

const change = (from: string, toLabel: string, to: string, quality?: number): RoleChange => ({
  role: 'quality-coder',
  entry: 'coder',
  from: { model: from, contextLength: 65536, parallel: 1, args: [] },
  to: {
    role: 'quality-coder',
    label: toLabel,
    model: to,
    contextLength: 65536,
    parallel: 1,
    args: [],
    gpus: [0],
    predicted: { gpuBytes: {}, cpuBytes: 0 },
    totalBytes: 1,
    estTokensPerSec: 1,
    downloadBytes: 0,
    builtin: false,
    supportsTools: true,
    ...(quality === undefined ? {} : { quality }),
  },
  reasons: ['model'],
});

describe('ops upgrade-models never proposes a lower-quality model unless allowed', () => {
  const q8 = pathOf('qwen2.5-coder-32b', 'Q8_0');
  const q4 = pathOf('qwen2.5-coder-32b', 'Q4_K_M');
  const smokeTiny = 'builtin:ops-smoke-tiny';

  it('finds the catalog variant behind a Plan model path through the same locator', () => {
    assert.equal(catalogVariantAt(q8, catalog, locate)?.variant.id, 'qwen2.5-coder-32b:Q8_0:llama.cpp');
    assert.equal(catalogVariantAt(smokeTiny, catalog, locate)?.model.id, 'ops-smoke-tiny');
    assert.equal(catalogVariantAt('/elsewhere/mine.gguf', catalog, locate), undefined);
  });

  it('holds back a downgrade (the smoke model, or fewer bits of the same model) with a note', () => {
    const lookup = runningQualityLookup(catalog, locate);
    const smokeQuality = 1;
    const q4Quality = lookup(q4);
    assert.ok(q4Quality !== undefined && q4Quality < (lookup(q8) ?? 0));
    const held = holdDowngrades(
      [
        change(q8, 'ops-smoke-tiny F32', smokeTiny, smokeQuality),
        change(q8, 'qwen2.5-coder-32b Q4_K_M', q4, q4Quality),
      ],
      lookup,
      false,
    );
    assert.deepEqual(held.changes, []);
    assert.equal(held.notes.length, 2);
    assert.match(
      held.notes[0] ?? '',
      /kept .*Q8_0\.gguf \(quality [\d.]+\): ops-smoke-tiny F32 scores 1\.0, a downgrade \(--allow-downgrade/,
    );
    const allowed = holdDowngrades([change(q8, 'x', q4, q4Quality)], lookup, true);
    assert.equal(allowed.changes.length, 1);
  });

  it('lets an upgrade and a same-model context change through; holds a switch away from an unknown model', () => {
    const lookup = runningQualityLookup(catalog, locate);
    const up = holdDowngrades([change(q4, 'qwen2.5-coder-32b Q8_0', q8, lookup(q8))], lookup, false);
    assert.equal(up.changes.length, 1);
    const same = holdDowngrades([change(q8, 'same', q8, lookup(q8))], lookup, false);
    assert.equal(same.changes.length, 1);
    const unknown = holdDowngrades([change('/mine.gguf', 'qwen2.5-coder-32b Q8_0', q8, 99)], lookup, false);
    assert.equal(unknown.changes.length, 0);
    assert.match(unknown.notes[0] ?? '', /not in the catalog/);
  });

  it('re-plans a Plan that runs the smoke model among the smoke models, and anything else among hub models', () => {
    const profile = { id: 'consumer', defaults: { contextTokens: 65536, concurrency: 1 } } as Parameters<
      typeof intentOfRunningPlan
    >[1];
    const plan = (model: string) =>
      ({
        version: 1,
        deployment: 'd',
        engines: [
          {
            name: 'coder',
            engine: 'llama.cpp',
            model,
            contextLength: 8192,
            parallel: 2,
            args: [],
            gpus: [],
            port: 9000,
          },
        ],
        gateway: { enabled: true, port: 8080, aliases: { 'quality-coder': 'coder' } },
      }) as unknown as Plan;
    const where = { catalog, modelPathFor: locate };
    assert.deepEqual(intentOfRunningPlan(plan(smokeTiny), profile, where).sources, ['builtin']);
    assert.deepEqual(intentOfRunningPlan(plan(q8), profile, where).sources, ['hf']);
    assert.deepEqual(intentOfRunningPlan(plan('/mine.gguf'), profile, where).sources, ['hf']);
    assert.equal(intentOfRunningPlan(plan(q8), profile, where).contextLength, 4096);
  });

  it('weightsQuality is the catalog quality plus the quant loss', () => {
    const m = catalog.models.find((x) => x.id === 'qwen2.5-coder-32b');
    assert.ok(m);
    assert.ok(weightsQuality(m, { quant: 'Q8_0' }) > weightsQuality(m, { quant: 'Q4_K_M' }));
  });
});
