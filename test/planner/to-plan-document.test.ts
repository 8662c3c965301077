import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { planModels } from '../../src/planner/plan-models.js';
import { entryName, toPlanDocument } from '../../src/planner/to-plan-document.js';
import type { HardwareSpec } from '../../src/planner/types.js';
import { catalog, HARDWARE, intent } from './helpers.js';

const ctxFor = (hardware: HardwareSpec) => ({
  planDir: '/plans',
  statPath: () => 'file' as const,
  gpuIndexes: hardware.gpus.map((g) => g.index),
  takenPorts: new Set<number>(),
});
const options = {
  deployment: 'default',
  modelFor: (e: { id: string }) => `/models/${e.id.replaceAll(':', '_')}`,
  portBase: 8081,
};

describe('toPlanDocument', () => {
  it('writes llama.cpp entries that validatePlan accepts: -c = per-agent × slots, parallel = agents, -ts for a split', () => {
    const hardware = HARDWARE['2x-rtx-4090']!;
    const proposal = planModels({
      hardware,
      catalog,
      intent: intent({ agents: 2, models: ['llama-3.1-70b'], engines: ['llama.cpp'], contextLength: 16384 }),
    });
    const doc = toPlanDocument(proposal, options);
    const result = validatePlan(doc, ctxFor(hardware));
    assert.deepEqual(result.problems, []);
    const entry = result.plan?.engines[0];
    assert.ok(entry && entry.engine === 'llama.cpp');
    assert.equal(entry.contextLength, 2 * 16384);
    assert.equal(entry.parallel, 2);
    assert.deepEqual(entry.gpus, [0, 1]);
    assert.ok(entry.args.includes('-ts') && entry.args.includes('-ngl') && entry.args.includes('-fa'));
    assert.equal(result.plan?.gateway?.aliases['quality-coder'], entry.name);
    assert.equal(entry.port, 8081);
  });

  it('writes vLLM entries with tensor parallel, memory fraction, quantization and KV dtype', () => {
    const hardware = HARDWARE['3x-rtx-3090']!;
    const proposal = planModels({
      hardware,
      catalog,
      intent: intent({ models: ['qwen2.5-coder-32b'], engines: ['vllm'], kvCacheTypes: ['q8_0'] }),
    });
    const result = validatePlan(toPlanDocument(proposal, options), ctxFor(hardware));
    assert.deepEqual(result.problems, []);
    const entry = result.plan?.engines[0];
    assert.ok(entry && entry.engine === 'vllm');
    assert.equal(entry.tensorParallel, 2);
    assert.equal(entry.gpuMemoryUtilization, 0.9);
    assert.equal(entry.kvCacheDtype, 'fp8');
    assert.ok(entry.quantization === 'awq' || entry.quantization === 'gptq');
    assert.equal(entry.toolCallParser, 'hermes');
  });

  it('a CPU-only smoke plan is valid with no GPUs, and two roles map to one entry', () => {
    const hardware = HARDWARE['cpu-only-16g']!;
    const proposal = planModels({
      hardware,
      catalog,
      intent: intent({ sources: ['builtin'], roles: ['quality-coder', 'fast-coder'] }),
    });
    const doc = toPlanDocument(proposal, { ...options, portBase: 8080 });
    const result = validatePlan(doc, ctxFor(hardware));
    assert.deepEqual(result.problems, []);
    assert.equal(result.plan?.engines[0]?.engine === 'llama.cpp' && result.plan.engines[0].port, 8081); // skips the gateway's 8080
    // Role names, and the tier names Claude Code's model names route to, all point at the one entry.
    assert.deepEqual(Object.keys(result.plan?.gateway?.aliases ?? {}).sort(), [
      'fast',
      'fast-coder',
      'quality',
      'quality-coder',
    ]);
    assert.equal(new Set(Object.values(result.plan?.gateway?.aliases ?? {})).size, 1);
    assert.deepEqual(doc.monitoring, {}, 'monitoring is asked for by default');
  });

  it('refuses an empty proposal, passing on the suggestions as the hint', () => {
    assert.throws(
      () => toPlanDocument({ entries: [], rejected: [], suggestions: ['a shorter context'] }, options),
      (e: unknown) => e instanceof OpsError && e.hint === 'a shorter context',
    );
  });

  it('entry names satisfy the Plan name rule', () => {
    const e = planModels({ hardware: HARDWARE['1x-rtx-3090']!, catalog, intent: intent() }).entries[0];
    assert.ok(e);
    assert.match(entryName(e), /^[a-z0-9][a-z0-9-]{0,40}$/);
  });
});
