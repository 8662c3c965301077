import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ModelRouter } from '../../src/gateway/router.js';
import { upstreamsFromPlan } from '../../src/gateway/upstreams-from-plan.js';
import type { PlanReadContext } from '../../src/plan/validate-plan.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { planModels } from '../../src/planner/plan-models.js';
import { REPLICA_MIN_GAIN } from '../../src/planner/replicas.js';
import { toPlanDocument } from '../../src/planner/to-plan-document.js';
import type { HardwareSpec, Intent, PlannedModel } from '../../src/planner/types.js';
import { catalog, GiB, h100, intent, rtx4090 } from './helpers.js';

const box = (gpus: HardwareSpec['gpus'], ramMiB = 131072, cpuCores = 24): HardwareSpec => ({
  gpus,
  ramMiB,
  cpuCores,
});
const coding = (o: Partial<Intent>) => intent({ kvCacheTypes: ['f16', 'q8_0'], contextLength: 65536, ...o });

function only(hardware: HardwareSpec, i: Intent): PlannedModel {
  const p = planModels({ hardware, intent: i, catalog });
  assert.equal(p.entries.length, 1, p.entries.map((e) => e.id).join(', '));
  return p.entries[0] as PlannedModel;
}

// Data-parallel replicas (src/planner/replicas.ts): a model that fits on fewer GPUs than the box has runs as
// several copies, each with its share of the agents, when together they serve the agents faster.
describe('data-parallel replicas', () => {
  it('table: when copies are planned, on which GPUs, with how many agents each, and why', () => {
    const cases: {
      name: string;
      hardware: HardwareSpec;
      intent: Intent;
      copies: string[];
      agentsPerCopy: number;
      id: string;
    }[] = [
      {
        // Qwen3.5-35B-A3B Q8_0 + two q8_0 64K caches fill two 4090s (layer split 21/20); four cards hold two.
        // One engine over two cards: ~256.6 tok/s for 4 agents; two copies of 2 agents: 2 × 222.8 = 445.6.
        name: '4 × RTX 4090, Qwen3.5-35B-A3B on llama.cpp, 4 agents × 64K',
        hardware: box([0, 1, 2, 3].map(rtx4090)),
        intent: coding({ models: ['qwen3.5-35b-a3b'], engines: ['llama.cpp'], agents: 4 }),
        copies: ['0+1', '2+3'],
        agentsPerCopy: 2,
        id: 'qwen3.5-35b-a3b:Q8_0:llama.cpp',
      },
      {
        // Qwen3-Coder-Next BF16 (~149 GiB) needs tensor parallel 4 for 8 agents × 128K (TP 2: 79 GiB per GPU of
        // 71.7); one engine at TP 8 decodes ~2775 tok/s for 16 agents, two TP-4 copies of 8 agents 2 × 1616.
        name: '8 × H100, Qwen3-Coder-Next on vLLM, 16 agents × 128K',
        hardware: box([0, 1, 2, 3, 4, 5, 6, 7].map(h100), 1048576, 64),
        intent: coding({ models: ['qwen3-coder-next'], agents: 16, contextLength: 131072 }),
        copies: ['0+1+2+3', '4+5+6+7'],
        agentsPerCopy: 8,
        id: 'qwen3-coder-next:BF16:vllm',
      },
      {
        // Devstral Small 2 Q8_0 needs both 4090s for 4 × 64K: nothing is left for a copy.
        name: '2 × RTX 4090, Devstral Small 2, 4 agents × 64K',
        hardware: box([0, 1].map(rtx4090)),
        intent: coding({ models: ['devstral-small-2'], agents: 4 }),
        copies: ['0+1'],
        agentsPerCopy: 4,
        id: 'devstral-small-2:Q8_0:llama.cpp',
      },
      {
        // One agent is one session: a second copy would sit idle.
        name: '4 × RTX 4090, Qwen3.5-35B-A3B, 1 agent',
        hardware: box([0, 1, 2, 3].map(rtx4090)),
        intent: coding({ models: ['qwen3.5-35b-a3b'], engines: ['llama.cpp'], agents: 1 }),
        copies: ['0+1'],
        agentsPerCopy: 1,
        id: 'qwen3.5-35b-a3b:Q8_0:llama.cpp',
      },
      {
        // No GPU, no copies.
        name: 'CPU only',
        hardware: box([], 65536, 16),
        intent: coding({ models: ['qwen3.5-35b-a3b'], agents: 2, contextLength: 16384 }),
        copies: [''],
        agentsPerCopy: 2,
        id: 'qwen3.5-35b-a3b:Q5_K_M:llama.cpp',
      },
    ];
    for (const c of cases) {
      const e = only(c.hardware, c.intent);
      const copies = [e.gpus, ...(e.replicas ?? []).map((r) => r.gpus)].map((g) => g.join('+'));
      assert.equal(e.id, c.id, c.name);
      assert.deepEqual(copies, c.copies, c.name);
      assert.equal(e.parallel, c.agentsPerCopy, c.name);
      if (copies.length > 1) {
        assert.match(e.notes.join('\n'), new RegExp(`data-parallel: ${copies.length} copies`), c.name);
        // Every copy is the same model, whole on its own GPUs, with the same arguments shape.
        for (const r of e.replicas ?? []) {
          assert.equal(r.args.length, e.args.length, c.name);
          assert.ok(
            r.perGpu.every((g) => !e.gpus.includes(g.index)),
            `${c.name}: GPUs shared`,
          );
        }
      }
    }
  });

  it('takes the split only for the gain REPLICA_MIN_GAIN over one engine, and the copies score the same', () => {
    const hardware = box([0, 1, 2, 3].map(rtx4090));
    const split = only(hardware, coding({ models: ['qwen3.5-35b-a3b'], engines: ['llama.cpp'], agents: 4 }));
    const total =
      split.aggregateTokensPerSec + (split.replicas ?? []).reduce((a, r) => a + r.aggregateTokensPerSec, 0);
    const single = Number(/against ~([\d.]+) from one engine/.exec(split.notes.join('\n'))?.[1]);
    assert.ok(total >= single * REPLICA_MIN_GAIN, `${total} vs ${single}`);
    // The same quality as the one engine the planner would otherwise run on two of the cards.
    const one = only(
      box([0, 1].map(rtx4090)),
      coding({ models: ['qwen3.5-35b-a3b'], engines: ['llama.cpp'], agents: 4 }),
    );
    assert.equal(split.score, one.score);
    assert.equal(split.kvCacheType, 'q8_0');
  });

  it('what is planned fits: copies use disjoint GPUs within their memory', () => {
    const hardware = box([0, 1, 2, 3, 4, 5, 6, 7].map(h100), 1048576, 64);
    const e = only(hardware, coding({ models: ['qwen3-coder-next'], agents: 16, contextLength: 131072 }));
    const used = new Map<number, number>();
    for (const copy of [e, ...(e.replicas ?? [])])
      for (const g of copy.perGpu) {
        assert.equal(used.has(g.index), false, `GPU ${g.index} twice`);
        used.set(g.index, g.totalBytes);
      }
    for (const g of hardware.gpus) assert.ok((used.get(g.index) ?? 0) <= g.vramMiB * 2 ** 20);
    assert.ok([...used.values()].every((b) => b > 40 * GiB));
  });

  it('becomes one Plan entry per copy (own GPUs and port, replicaOf the first) that the gateway balances', () => {
    const proposal = planModels({
      hardware: box([0, 1, 2, 3].map(rtx4090)),
      intent: coding({ models: ['qwen3.5-35b-a3b'], engines: ['llama.cpp'], agents: 4 }),
      catalog,
    });
    const doc = toPlanDocument(proposal, {
      deployment: 'default',
      modelFor: () => 'hf:x/y:m.gguf',
      portBase: 8081,
    });
    const read = validatePlan(doc, { planDir: '/tmp' } as PlanReadContext);
    assert.ok(read.plan, JSON.stringify(read.problems));
    const [first, copy] = read.plan.engines;
    assert.ok(first && copy && first.engine === 'llama.cpp' && copy.engine === 'llama.cpp');
    assert.equal(copy.name, `${first.name}-r2`);
    assert.equal(copy.replicaOf, first.name);
    assert.deepEqual(
      [first.gpus, copy.gpus],
      [
        [0, 1],
        [2, 3],
      ],
    );
    assert.deepEqual([first.port, copy.port], [8081, 8082]);
    assert.equal(read.plan.gateway?.aliases['quality-coder'], first.name);

    const router = new ModelRouter(upstreamsFromPlan(read.plan), {
      gatewayAliases: read.plan.gateway?.aliases ?? {},
      pickReplica: (members, session) =>
        session === 'second' ? (members[1] as string) : (members[0] as string),
    });
    assert.deepEqual(router.replicaGroups.get(first.name), [first.name, copy.name]);
    assert.equal(router.route({ model: 'quality', session: 'first' }).upstream, first.name);
    assert.equal(router.route({ model: 'claude-sonnet-4-5', session: 'second' }).upstream, copy.name);
  });

  it('a Plan whose copy names a missing entry, a copy, or another model is refused with the field path', () => {
    const base = {
      version: 1,
      deployment: 'd',
      engines: [
        { engine: 'llama.cpp', name: 'a', model: '/m/a.gguf', contextLength: 4096, port: 9001 },
        {
          engine: 'llama.cpp',
          name: 'b',
          model: '/m/a.gguf',
          contextLength: 4096,
          port: 9002,
          replicaOf: 'a',
        },
        {
          engine: 'llama.cpp',
          name: 'c',
          model: '/m/a.gguf',
          contextLength: 4096,
          port: 9003,
          replicaOf: 'b',
        },
        {
          engine: 'llama.cpp',
          name: 'd',
          model: '/m/other.gguf',
          contextLength: 4096,
          port: 9004,
          replicaOf: 'a',
        },
        {
          engine: 'llama.cpp',
          name: 'e',
          model: '/m/a.gguf',
          contextLength: 4096,
          port: 9005,
          replicaOf: 'zz',
        },
      ],
    };
    const read = validatePlan(base, { planDir: '/tmp' } as PlanReadContext);
    const paths = read.problems.map((p) => `${p.path}: ${p.message}`);
    assert.equal(paths.length, 3, paths.join('\n'));
    assert.match(paths[0] ?? '', /^engines\[2\]\.replicaOf: "b" is itself a copy of "a"/);
    assert.match(paths[1] ?? '', /^engines\[3\]\.replicaOf: a copy runs the same engine and model/);
    assert.match(paths[2] ?? '', /^engines\[4\]\.replicaOf: "zz" is not an engine/);
  });
});

describe('upgrading a Plan with data-parallel copies', () => {
  it('drops the copies of a replaced entry (they would run the old model) and the target Plan stays valid', async () => {
    const { buildTargetPlan } = await import('../../src/upgrade/target-plan.js');
    const read = validatePlan(
      {
        version: 1,
        deployment: 'd',
        engines: [
          {
            engine: 'llama.cpp',
            name: 'coder',
            model: '/m/a.gguf',
            contextLength: 4096,
            port: 9001,
            gpus: [0],
          },
          {
            engine: 'llama.cpp',
            name: 'coder-r2',
            model: '/m/a.gguf',
            contextLength: 4096,
            port: 9002,
            gpus: [1],
            replicaOf: 'coder',
          },
        ],
        gateway: { port: 8080, aliases: { 'quality-coder': 'coder' } },
      },
      { planDir: '/tmp' } as PlanReadContext,
    );
    assert.ok(read.plan);
    for (const strategy of ['blue-green', 'stop-and-swap'] as const) {
      const target = buildTargetPlan(read.plan, [{ entry: 'coder', model: '/m/b.gguf' }], strategy);
      assert.deepEqual(
        target.engines.map((e) => e.name.replace(/-[0-9a-f]{6}$/, '')),
        ['coder'],
        strategy,
      );
      const { sourceDir: _dir, ...doc } = target;
      assert.deepEqual(validatePlan(doc, { planDir: '/tmp' } as PlanReadContext).problems, []);
    }
  });
});
