import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { planParallelism, weightsBudgetMiB } from '../../src/planner/cluster/plan-parallelism.js';
import { tensorParallelProblem } from '../../src/planner/cluster/tensor-parallel-rule.js';
import type { ClusterDescription, ParallelModelShape } from '../../src/planner/cluster/types.js';

const H100_MIB = 81_559;
const RTX4090_MIB = 24_564;
const node = (name: string, count: number, vramMiB: number) => ({
  name,
  gpus: Array.from({ length: count }, (_, i) => ({ name: `gpu${i}`, vramMiB })),
});
const twoH100Nodes: ClusterDescription = { nodes: [node('a', 8, H100_MIB), node('b', 8, H100_MIB)] };

// Shapes from DESIGN.md §4; weights are bf16 (2 bytes per parameter) unless noted.
const llama70bBf16: ParallelModelShape = { attentionHeads: 64, kvHeads: 8, layers: 80, weightsBytes: 141e9 };
const llama70bInt4: ParallelModelShape = { attentionHeads: 64, kvHeads: 8, layers: 80, weightsBytes: 40e9 };
const llama405bBf16: ParallelModelShape = {
  attentionHeads: 128,
  kvHeads: 8,
  layers: 126,
  weightsBytes: 810e9,
};
const qwen7b: ParallelModelShape = { attentionHeads: 28, kvHeads: 4, layers: 28, weightsBytes: 15.2e9 };

describe('planParallelism', () => {
  const cases: {
    title: string;
    cluster: ClusterDescription;
    shape: ParallelModelShape;
    expect: { tp: number; pp: number; nodes: number } | { refused: RegExp };
  }[] = [
    {
      title: '70B bf16 on 2 nodes × 8×H100 → TP=4 on one node',
      cluster: twoH100Nodes,
      shape: llama70bBf16,
      expect: { tp: 4, pp: 1, nodes: 1 },
    },
    {
      title: '7B on 2 nodes × 8×H100 → one GPU',
      cluster: twoH100Nodes,
      shape: qwen7b,
      expect: { tp: 1, pp: 1, nodes: 1 },
    },
    {
      title: '405B bf16 needs both nodes → TP=8 PP=2',
      cluster: twoH100Nodes,
      shape: llama405bBf16,
      expect: { tp: 8, pp: 2, nodes: 2 },
    },
    {
      title: 'a 3-GPU node: TP=3 refused for 64 heads, TP=2 too small',
      cluster: { nodes: [node('w', 3, RTX4090_MIB)] },
      shape: llama70bInt4,
      expect: { refused: /TP=3 does not divide the 64 attention heads/ },
    },
    {
      title: '405B bf16 does not fit one 8×H100 node',
      cluster: { nodes: [node('a', 8, H100_MIB)] },
      shape: llama405bBf16,
      expect: { refused: /no layout fits/ },
    },
    {
      title: 'the bigger node is chosen when only it fits',
      cluster: { nodes: [node('small', 2, RTX4090_MIB), node('big', 4, H100_MIB)] },
      shape: llama70bBf16,
      expect: { tp: 4, pp: 1, nodes: 1 },
    },
  ];
  for (const c of cases) {
    test(c.title, () => {
      const result = planParallelism(c.cluster, c.shape);
      if ('refused' in c.expect) {
        assert.equal(result.ok, false);
        assert.match(result.ok ? '' : result.reasons.join('\n'), c.expect.refused);
        return;
      }
      assert.ok(result.ok, result.ok ? '' : result.reasons.join('\n'));
      assert.equal(result.layout.tensorParallel, c.expect.tp);
      assert.equal(result.layout.pipelineParallel, c.expect.pp);
      assert.equal(result.layout.nodes.length, c.expect.nodes);
      assert.match(result.layout.reasons.at(-1) ?? '', /^chose TP=/);
    });
  }

  test('a cluster with no GPU says so', () => {
    const result = planParallelism({ nodes: [{ name: 'cpu', gpus: [] }] }, qwen7b);
    assert.deepEqual(result, { ok: false, reasons: ['the cluster description has no node with a GPU'] });
  });

  test('property: whatever is chosen divides the heads, stays inside a node and fits the budget', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ gpus: fc.integer({ min: 0, max: 8 }), vram: fc.constantFrom(24_564, 49_140, 81_559) }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.constantFrom(28, 32, 40, 64, 96, 128),
        fc.constantFrom(1, 2, 4, 8),
        fc.integer({ min: 1, max: 900 }),
        (spec, heads, kvHeads, weightsGB) => {
          const cluster = { nodes: spec.map((s, i) => node(`n${i}`, s.gpus, s.vram)) };
          const shape = { attentionHeads: heads, kvHeads, layers: 64, weightsBytes: weightsGB * 1e9 };
          const result = planParallelism(cluster, shape);
          if (!result.ok) return;
          const { tensorParallel: tp, pipelineParallel: pp, nodes } = result.layout;
          assert.equal(tensorParallelProblem(tp, shape), undefined);
          assert.equal(nodes.length, pp);
          for (const name of nodes) {
            const chosen = cluster.nodes.find((n) => n.name === name);
            assert.ok(chosen && chosen.gpus.length >= tp);
            assert.ok(result.layout.weightsPerGpuMiB <= weightsBudgetMiB(chosen.gpus[0]?.vramMiB ?? 0));
          }
        },
      ),
    );
  });
});

describe('tensorParallelProblem', () => {
  const table: [tp: number, heads: number, kv: number, ok: boolean][] = [
    [8, 64, 8, true],
    [3, 64, 8, false],
    [16, 64, 8, true], // KV heads replicated: 16 % 8 == 0
    [4, 28, 4, true],
    [8, 28, 4, false], // 28 % 8 != 0
    [2, 40, 8, true],
    [3, 96, 8, false], // heads divide, but 8 KV heads cannot be split three ways
  ];
  for (const [tp, heads, kv, ok] of table) {
    test(`TP=${tp} with ${heads} heads / ${kv} KV heads is ${ok ? 'allowed' : 'refused'}`, () => {
      const problem = tensorParallelProblem(tp, {
        attentionHeads: heads,
        kvHeads: kv,
        layers: 32,
        weightsBytes: 1,
      });
      assert.equal(problem === undefined, ok, problem);
    });
  }
});
