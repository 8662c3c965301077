import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { planModels } from '../../src/planner/plan-models.js';
import type { Intent } from '../../src/planner/types.js';
import { catalog, GiB, HARDWARE, intent } from './helpers.js';

interface Case {
  hardware: keyof typeof HARDWARE;
  intent: Partial<Intent>;
  expect: { id?: RegExp; engine?: string; gpus?: number[]; kvCacheType?: string; none?: boolean };
}

// Table: catalog × hardware fixtures, what the planner picks for the quality coder.
const cases: Case[] = [
  {
    hardware: 'cpu-only-16g',
    intent: { sources: ['builtin'] },
    expect: { id: /^ops-smoke-(tiny|bench):/, engine: 'llama.cpp', gpus: [] },
  },
  {
    hardware: 'cpu-only-16g',
    intent: { roles: ['fast-coder'], priority: 'speed' },
    expect: { engine: 'llama.cpp', gpus: [] },
  },
  { hardware: '1x-rtx-3060-12g', intent: { models: ['qwen2.5-coder-32b'] }, expect: { engine: 'llama.cpp' } },
  {
    hardware: '1x-rtx-3090',
    intent: { models: ['qwen2.5-coder-32b'], engines: ['llama.cpp'] },
    expect: { id: /:Q4_K_M:/, kvCacheType: 'q8_0', gpus: [0] },
  },
  // A current agentic coder, not a legacy one (catalog quality = SWE-bench Verified).
  {
    hardware: '1x-rtx-3090',
    intent: {},
    expect: { id: /^(devstral-small-2|qwen3\.5-35b-a3b|qwen3-coder-next):/, gpus: [0] },
  },
  {
    hardware: '2x-rtx-4090',
    intent: { models: ['llama-3.1-70b'], engines: ['llama.cpp'] },
    expect: { id: /:Q4_K_M:/, gpus: [0, 1] },
  },
  {
    hardware: '3x-rtx-3090',
    intent: { models: ['llama-3.1-70b'] },
    expect: { engine: 'llama.cpp', gpus: [0, 1, 2] },
  },
  {
    hardware: '2x-h100',
    intent: { models: ['llama-3.1-70b'], engines: ['vllm'] },
    expect: { id: /:(BF16|FP8):vllm$/, engine: 'vllm' },
  },
  {
    hardware: '2x-h100',
    intent: { models: ['codellama-70b'], contextLength: 32768 },
    expect: { none: true },
  },
];

describe('planModels over the catalog and hardware fixtures', () => {
  for (const c of cases) {
    it(`${c.hardware} ${JSON.stringify(c.intent)}`, () => {
      const hardware = HARDWARE[c.hardware];
      assert.ok(hardware);
      const p = planModels({ hardware, catalog, intent: intent(c.intent) });
      if (c.expect.none) {
        assert.equal(p.entries.length, 0);
        assert.ok(p.rejected.every((r) => r.reason.length > 0));
        return;
      }
      const e = p.entries[0];
      assert.ok(e, `nothing planned: ${p.suggestions.join('; ')}`);
      if (c.expect.id) assert.match(e.id, c.expect.id);
      if (c.expect.engine) assert.equal(e.engine, c.expect.engine);
      if (c.expect.gpus) assert.deepEqual(e.gpus, c.expect.gpus);
      if (c.expect.kvCacheType) assert.equal(e.kvCacheType, c.expect.kvCacheType);
      for (const g of e.perGpu) {
        const vram = hardware.gpus.find((x) => x.index === g.index)?.vramMiB ?? 0;
        assert.ok(g.totalBytes <= vram * 2 ** 20, `GPU ${g.index} over its VRAM`);
      }
      assert.ok(e.estTokensPerSec > 0);
      assert.equal(e.totalBytes > 0, true);
    });
  }

  it('every rejected candidate carries a reason with numbers', () => {
    const p = planModels({ hardware: HARDWARE['1x-rtx-3090']!, catalog, intent: intent() });
    assert.ok(p.rejected.length > 10);
    for (const r of p.rejected) assert.ok(r.reason.length > 10, `${r.id}: ${r.reason}`);
    assert.ok(p.rejected.some((r) => /needs [\d.]+ GiB, 24\.0 GiB available/.test(r.reason)));
  });

  it('a model that suits both roles serves both; a second model goes where memory is left', () => {
    const one = planModels({
      hardware: HARDWARE['1x-rtx-3090']!,
      catalog,
      intent: intent({ roles: ['quality-coder', 'fast-coder'] }),
    });
    assert.equal(one.entries.length, 1);
    assert.deepEqual(one.entries[0]?.alsoServes, ['fast-coder']);

    const two = planModels({
      hardware: HARDWARE['2x-h100']!,
      catalog,
      intent: intent({
        roles: ['quality-coder', 'fast-coder'],
        models: ['llama-3.1-70b', 'qwen2.5-coder-7b'],
      }),
    });
    assert.deepEqual(
      two.entries.map((e) => e.role),
      ['quality-coder', 'fast-coder'],
    );
    const used = new Map<number, number>();
    for (const e of two.entries)
      for (const g of e.perGpu) used.set(g.index, (used.get(g.index) ?? 0) + g.totalBytes);
    for (const [, bytes] of used) assert.ok(bytes <= 81559 * 2 ** 20);
  });

  it('speed priority picks a faster option than quality priority', () => {
    const run = (priority: 'quality' | 'speed') =>
      planModels({ hardware: HARDWARE['2x-rtx-4090']!, catalog, intent: intent({ priority }) }).entries[0];
    const q = run('quality');
    const s = run('speed');
    assert.ok(q && s);
    assert.ok(s.estTokensPerSec >= q.estTokensPerSec);
  });

  it('without a context length, plans the 64K a coding agent needs, and refuses models trained for less', () => {
    const p = planModels({
      hardware: HARDWARE['2x-h100']!,
      catalog,
      intent: intent({ contextLength: undefined, models: ['codellama-70b', 'qwen3-coder-30b-a3b'] }),
    });
    assert.equal(p.entries[0]?.contextPerAgent, 65536);
    assert.equal(p.entries[0]?.modelId, 'qwen3-coder-30b-a3b');
    assert.ok(
      p.rejected.some(
        (r) => r.modelId === 'codellama-70b' && /exceed the 16384 the model was trained for/.test(r.reason),
      ),
    );
  });

  it('an offline cpu-only machine plans the built-in smoke model, in RAM', () => {
    const p = planModels({
      hardware: HARDWARE['cpu-only-16g']!,
      catalog,
      intent: intent({ sources: ['builtin'], roles: ['quality-coder', 'fast-coder'], agents: 2 }),
    });
    const e = p.entries[0];
    assert.ok(e);
    assert.deepEqual(e.gpus, []);
    assert.equal(e.args[e.args.indexOf('-ngl') + 1], '0');
    assert.ok(e.cpuBytes < 2 * GiB);
    assert.equal(e.contextLength, 2 * 32768);
  });

  it('when nothing fits, says what would', () => {
    const p = planModels({
      hardware: HARDWARE['1x-rtx-3060-12g']!,
      catalog,
      intent: intent({ models: ['llama-3.1-70b'], engines: ['vllm'] }),
    });
    assert.equal(p.entries.length, 0);
    assert.ok(
      p.suggestions.some((s) =>
        /smallest variant, llama-3\.1-70b:AWQ:vllm, needs [\d.]+ GiB of VRAM/.test(s),
      ),
      p.suggestions.join('\n'),
    );
  });

  it('without flash attention a quantized V cache is refused and the KQ score buffer is paid', () => {
    const p = planModels({
      hardware: HARDWARE['1x-rtx-3090']!,
      catalog,
      intent: intent({
        roles: ['fast-coder'],
        models: ['qwen2.5-coder-7b'],
        engines: ['llama.cpp'],
        flashAttention: false,
        kvCacheTypes: ['q8_0'],
      }),
    });
    assert.equal(p.entries.length, 0);
    assert.ok(p.rejected.length > 0);
    assert.ok(p.rejected.every((r) => /refuses a quantized V cache/.test(r.reason)));
    const f16 = planModels({
      hardware: HARDWARE['1x-rtx-3090']!,
      catalog,
      intent: intent({
        roles: ['fast-coder'],
        models: ['qwen2.5-coder-7b'],
        engines: ['llama.cpp'],
        flashAttention: false,
        kvCacheTypes: ['f16'],
      }),
    }).entries[0];
    assert.ok(f16);
    assert.ok(f16.args.includes('off'));
    // 4 bytes × 32768 ctx × 512 ubatch × 28 heads = 1.75 GiB of scores on top of the usual buffers.
    assert.ok(f16.overheadBytes > 4 * 32768 * 512 * 28);
  });
});
