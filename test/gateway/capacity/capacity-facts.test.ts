import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { recordBench } from '../../../src/bench/bench-store.js';
import { loadCatalog } from '../../../src/catalog/load-catalog.js';
import { EventBus } from '../../../src/core/events.js';
import { resolveStateDir } from '../../../src/core/state-dir.js';
import { recordSuiteResult } from '../../../src/eval/eval-store.js';
import { passRate } from '../../../src/eval/wilson.js';
import { buildCapacityFacts, watchedCapacityFacts } from '../../../src/gateway/capacity/capacity-facts.js';
import { Ledger, ledgerPath } from '../../../src/ledger/ledger.js';
import { validatePlan } from '../../../src/plan/validate-plan.js';
import type { PlannedModel } from '../../../src/planner/types.js';
import {
  capacityFactsForPlan,
  refreshCapacityFactsAfterRuns,
  writeCapacityFactsFile,
} from '../../../src/runtime/capacity-facts-file.js';
import { gatewayPaths } from '../../../src/runtime/gateway-container.js';
import { formatModelLocation, plannedModelLocation } from '../../../src/store/model-location.js';
import { weightsQuality } from '../../../src/upgrade/replan.js';
import { startFixture } from '../gateway-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-capacity-facts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('capacity facts', () => {
  it('take the latest bench and eval per entry through its aliases; eval quality before the catalog’s', () => {
    const table = new Map([
      ['coder', 'coder'],
      ['quality', 'coder'],
      ['fast', 'small'],
      ['small', 'small'],
    ]);
    const facts = buildCapacityFacts({
      entries: ['coder', 'small', 'other'],
      entryOf: (m) => table.get(m),
      bench: [
        { model: 'quality', tsMs: 1, decodeTokensPerS: 30 },
        { model: 'coder', tsMs: 2, decodeTokensPerS: 42 },
        { model: 'gone', tsMs: 3, decodeTokensPerS: 99 },
      ],
      evals: [
        { model: 'quality', tsMs: 1, kind: 'code', suite: 'builtin', passed: 10, total: 40 },
        { model: 'quality', tsMs: 5, kind: 'code', suite: 'builtin', passed: 30, total: 40 },
        { model: 'coder', tsMs: 6, kind: 'tools', suite: 'tools', passed: 4, total: 10 },
      ],
      catalogQuality: (e) => (e === 'other' ? undefined : { score: 62, basis: 'catalog' }),
    });
    assert.deepEqual(facts, {
      coder: {
        benchTokensPerSecond: 42,
        evalPassRates: { code: 0.75, 'tool-use': 0.4 },
        quality: { score: 0.75, source: 'eval', detail: 'ops eval builtin: 30/40 passed' },
      },
      small: { quality: { score: 0.62, source: 'catalog', detail: 'catalog' } },
    });
  });

  it('from a real ledger and the catalog, through the facts file, to GET /ops/v1/capacity', async () => {
    const catalog = loadCatalog();
    const model = catalog.models.find((m) => m.variants.some((v) => v.engine === 'llama.cpp'))!;
    const variant = model.variants.find((v) => v.engine === 'llama.cpp')!;
    const reference = formatModelLocation(
      plannedModelLocation({
        id: variant.id,
        modelId: model.id,
        quant: variant.quant,
        source: variant.source,
        file: variant.engine === 'llama.cpp' ? variant.file : undefined,
      } as PlannedModel),
    );
    const { plan, problems } = validatePlan(
      {
        version: 1,
        engines: [
          {
            engine: 'llama.cpp',
            name: 'coder',
            aliases: ['quality'],
            model: reference,
            contextLength: 8192,
            port: 18001,
          },
          { engine: 'llama.cpp', name: 'small', model: '/models/own.gguf', contextLength: 8192, port: 18002 },
        ],
      },
      { planDir: dir },
    );
    assert.deepEqual(problems, []);
    const state = { root: join(dir, 'home') };
    mkdirSync(state.root, { recursive: true });
    // No ledger yet: only the catalog speaks, and only for the model it knows.
    const catalogOnly = capacityFactsForPlan(state, plan!, catalog);
    assert.equal(catalogOnly.coder?.quality?.source, 'catalog');
    assert.equal(catalogOnly.coder?.quality?.score, weightsQuality(model, variant) / 100);
    assert.equal(catalogOnly.small, undefined);

    const ledger = Ledger.open(ledgerPath(state));
    recordBench(ledger, {
      engine: 'coder',
      model: 'quality',
      host: 'box',
      startedAt: '2026-12-01T10:00:00Z',
      contextPerSlot: 8192,
      slots: 1,
      decodeTokensPerS: 37.5,
      promptTokensPerS: 400,
      prompts: [],
      skippedSizes: [],
      concurrency: [],
    });
    recordSuiteResult(ledger, {
      suite: 'tools',
      kind: 'tools',
      model: 'coder',
      api: 'anthropic',
      target: 'local',
      startedAt: '2026-12-01T11:00:00Z',
      durationMs: 1000,
      overall: passRate(3, 10),
      bands: {},
      meanLatencyMs: 100,
      p95LatencyMs: 200,
      outcomes: [],
    });
    ledger.close();
    const planFile = join(dir, 'gateway', 'default.plan.yaml');
    mkdirSync(join(dir, 'gateway'), { recursive: true });
    writeFileSync(planFile, '');
    const factsFile = writeCapacityFactsFile(planFile, capacityFactsForPlan(state, plan!, catalog));

    const f = await startFixture([], { options: { capacityFacts: watchedCapacityFacts(factsFile) } });
    try {
      const body = await (await fetch(`${f.url}/ops/v1/capacity`)).json();
      const coder = body.models[0];
      assert.equal(coder.tokens_per_second, 37.5);
      assert.equal(coder.tokens_per_second_source, 'bench');
      // A tools eval alone is no code quality: the catalog's figure stays the quality score.
      assert.equal(coder.quality.source, 'catalog');
      assert.equal(f.gateway.context.capacity.evalPassRate('coder', 'tool-use'), 0.3);
    } finally {
      await f.close();
    }
  });

  it('are rewritten for the running gateway after bench or eval runs are stored', () => {
    const state = resolveStateDir({ OPS_HOME: join(dir, 'after-runs') });
    const events: string[] = [];
    const bus = new EventBus();
    bus.on((e) => {
      if (e.kind === 'log') events.push(e.message);
    });
    // No current Plan: nothing to refresh, nothing said.
    refreshCapacityFactsAfterRuns(state, bus);
    mkdirSync(join(state.root, 'gateway'), { recursive: true });
    writeFileSync(
      state.planFile,
      'version: 1\ndeployment: box\nengines:\n  - { engine: llama.cpp, name: coder, model: /models/own.gguf, contextLength: 4096, port: 18003 }\ngateway: { port: 18080 }\n',
    );
    const { planFile } = gatewayPaths(state, 'box');
    writeFileSync(planFile, '');
    const ledger = Ledger.open(ledgerPath(state));
    recordBench(ledger, {
      engine: 'coder',
      model: 'coder',
      host: 'box',
      startedAt: '2026-12-01T10:00:00Z',
      contextPerSlot: 4096,
      slots: 1,
      decodeTokensPerS: 12.5,
      promptTokensPerS: 100,
      prompts: [],
      skippedSizes: [],
      concurrency: [],
    });
    ledger.close();
    refreshCapacityFactsAfterRuns(state, bus);
    assert.deepEqual(events, []);
    const written = JSON.parse(readFileSync(join(dirname(planFile), 'capacity-facts.json'), 'utf8'));
    assert.deepEqual(written.models, { coder: { benchTokensPerSecond: 12.5 } });
  });
});
