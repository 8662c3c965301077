import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { planModels } from '../../src/planner/plan-models.js';
import type { HardwareSpec, Intent, KvCacheType } from '../../src/planner/types.js';
import { catalog } from './helpers.js';

const GPU_NAMES = [
  'NVIDIA GeForce RTX 3090',
  'NVIDIA GeForce RTX 4090',
  'NVIDIA L4',
  'NVIDIA A100-SXM4-80GB',
  'Unknown GPU',
];

const hardwareArb: fc.Arbitrary<HardwareSpec> = fc
  .record({
    count: fc.integer({ min: 0, max: 4 }),
    name: fc.constantFrom(...GPU_NAMES),
    vramGiB: fc.integer({ min: 4, max: 96 }),
    ramGiB: fc.integer({ min: 8, max: 512 }),
  })
  .map(({ count, name, vramGiB, ramGiB }) => ({
    gpus: Array.from({ length: count }, (_, index) => ({ index, name, vramMiB: vramGiB * 1024 })),
    ramMiB: ramGiB * 1024,
    cpuCores: 8,
  }));

const kvArb = fc.subarray<KvCacheType>(['f16', 'q8_0', 'q4_0'], { minLength: 1 });

const intentArb: fc.Arbitrary<Intent> = fc.record({
  priority: fc.constantFrom('quality' as const, 'speed' as const),
  agents: fc.integer({ min: 1, max: 8 }),
  contextLength: fc.constantFrom(4096, 8192, 16384, 32768, 65536, undefined),
  roles: fc.constantFrom(
    ['quality-coder' as const],
    ['fast-coder' as const],
    ['quality-coder' as const, 'fast-coder' as const],
  ),
  kvCacheTypes: kvArb,
});

const RUNS = { numRuns: Number(process.env.OPS_PROPERTY_RUNS ?? 40) };

describe('planner properties', () => {
  it('whatever is chosen fits: per GPU, in RAM, within the trained context', () => {
    fc.assert(
      fc.property(hardwareArb, intentArb, (hardware, intent) => {
        const p = planModels({ hardware, catalog, intent });
        const used = new Map<number, number>();
        let ram = 0;
        for (const e of p.entries) {
          // Data-parallel replicas take their own GPUs and RAM too.
          for (const copy of [e, ...(e.replicas ?? [])]) {
            for (const g of copy.perGpu) used.set(g.index, (used.get(g.index) ?? 0) + g.totalBytes);
            ram += copy.cpuBytes;
          }
          const model = catalog.models.find((m) => m.id === e.modelId);
          assert.ok(model && e.contextPerAgent <= model.shape.trainedContext);
          if (e.engine === 'llama.cpp') assert.ok(e.contextLength >= e.contextPerAgent * e.parallel);
        }
        for (const g of hardware.gpus)
          assert.ok((used.get(g.index) ?? 0) <= g.vramMiB * 2 ** 20, `GPU ${g.index} over`);
        assert.ok(ram <= hardware.ramMiB * 2 ** 20);
      }),
      RUNS,
    );
  });

  it('more VRAM never yields a worse choice', () => {
    fc.assert(
      fc.property(
        hardwareArb.filter((h) => h.gpus.length > 0),
        fc.integer({ min: 1, max: 64 }),
        intentArb,
        (hardware, extraGiB, base) => {
          const intent: Intent = {
            ...base,
            roles: ['quality-coder'],
            contextLength: base.contextLength ?? 16384,
          };
          const bigger: HardwareSpec = {
            ...hardware,
            gpus: hardware.gpus.map((g) => ({ ...g, vramMiB: g.vramMiB + extraGiB * 1024 })),
          };
          const small = planModels({ hardware, catalog, intent }).entries[0];
          const large = planModels({ hardware: bigger, catalog, intent }).entries[0];
          if (!small) return;
          assert.ok(large, 'more VRAM planned nothing');
          // On the GPU for an agent's purposes: every layer there, or a MoE's routed experts in RAM at a usable speed
          // (coding policy: expert offload lets a 24–32 GB card run a better model). More VRAM may trade a
          // small model wholly on the card for a better one with its experts offloaded, never for a worse one.
          const onGpu = (e: typeof small) => e.fullyOnGpu || e.args.includes('--n-cpu-moe');
          assert.ok(
            Number(onGpu(large)) >= Number(onGpu(small)),
            `${large.id} is off the GPU, ${small.id} was not`,
          );
          if (intent.priority === 'quality' && onGpu(large) === onGpu(small))
            assert.ok(large.score >= small.score - 1e-9, `${large.id} < ${small.id}`);
        },
      ),
      RUNS,
    );
  });

  it('more agents never yields a longer per-agent context', () => {
    fc.assert(
      fc.property(hardwareArb, intentArb, fc.integer({ min: 1, max: 4 }), (hardware, base, more) => {
        const intent: Intent = { ...base, contextLength: undefined };
        const few = planModels({ hardware, catalog, intent }).entries;
        const many = planModels({
          hardware,
          catalog,
          intent: { ...intent, agents: intent.agents + more },
        }).entries;
        for (const e of many) {
          const before = few.find((f) => f.role === e.role);
          if (before)
            assert.ok(
              e.contextPerAgent <= before.contextPerAgent,
              `${e.contextPerAgent} > ${before.contextPerAgent}`,
            );
        }
      }),
      RUNS,
    );
  });
});
