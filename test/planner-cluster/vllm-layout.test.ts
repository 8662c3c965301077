import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { VllmEntry } from '../../src/plan/types.js';
import {
  entryWithLayout,
  pipelineParallelFromArgs,
  resolveVllmLayout,
} from '../../src/planner/cluster/vllm-layout.js';

const entry = (over: Partial<VllmEntry> = {}): VllmEntry => ({
  engine: 'vllm',
  name: 'coder',
  aliases: [],
  contextLength: 32768,
  parallel: 8,
  model: '/models/llama-70b',
  gpus: 'all',
  args: [],
  port: 8000,
  host: '127.0.0.1',
  healthTimeoutS: 900,
  gpuMemoryUtilization: 0.9,
  ...over,
});
const h100 = (name: string, n: number) => ({
  name,
  gpus: Array.from({ length: n }, (_, i) => ({ name: `h100-${i}`, vramMiB: 81_559 })),
});
const shape70b = { attentionHeads: 64, kvHeads: 8, layers: 80, weightsBytes: 141e9 };
const shape405b = { attentionHeads: 128, kvHeads: 8, layers: 126, weightsBytes: 810e9 };

describe('resolveVllmLayout', () => {
  test("the Plan's tensorParallel wins and is checked against the heads", () => {
    const { layout } = resolveVllmLayout(entry({ tensorParallel: 8 }), { shape: shape70b });
    assert.equal(layout?.gpusPerPod, 8);
    assert.equal(layout?.pods, 1);
    const refused = resolveVllmLayout(entry({ tensorParallel: 3 }), { shape: shape70b });
    assert.equal(refused.layout, undefined);
    assert.match(refused.problems.join(), /TP=3 does not divide the 64 attention heads/);
  });

  test('a GPU list with a pipeline arg gives pods × GPUs equal to the list', () => {
    const gpus = Array.from({ length: 16 }, (_, i) => i);
    const { layout } = resolveVllmLayout(entry({ gpus, args: ['--pipeline-parallel-size', '2'] }));
    assert.deepEqual([layout?.tensorParallel, layout?.pipelineParallel, layout?.totalGpus], [8, 2, 16]);
    assert.equal(layout?.multiNode, true);
  });

  test('gpus: all on a described cluster is sized by the planner', () => {
    const cluster = { nodes: [h100('a', 8), h100('b', 8)] };
    const { layout } = resolveVllmLayout(entry(), { cluster, shape: shape405b });
    assert.deepEqual([layout?.tensorParallel, layout?.pipelineParallel], [8, 2]);
  });

  test('a tensor-parallel group larger than any node is refused', () => {
    const { problems } = resolveVllmLayout(entry({ tensorParallel: 16 }), {
      cluster: { nodes: [h100('a', 8)] },
    });
    assert.match(problems.join(), /never spans nodes/);
  });

  test('more stages than nodes is refused', () => {
    const { problems } = resolveVllmLayout(entry({ tensorParallel: 8, args: ['-pp=3'] }), {
      cluster: { nodes: [h100('a', 8), h100('b', 8)] },
    });
    assert.match(problems.join(), /PP=3 needs 3 nodes/);
  });

  test('gpus: all with nothing to size it by asks for tensorParallel', () => {
    assert.match(resolveVllmLayout(entry()).problems.join(), /set tensorParallel/);
  });
});

describe('pipeline args', () => {
  test('reads both flag spellings', () => {
    assert.equal(pipelineParallelFromArgs(['--pipeline-parallel-size', '4']), 4);
    assert.equal(pipelineParallelFromArgs(['-pp=2']), 2);
    assert.equal(pipelineParallelFromArgs(['--enforce-eager']), undefined);
    assert.ok(Number.isNaN(pipelineParallelFromArgs(['-pp', 'x'])));
  });

  test('entryWithLayout rewrites TP and PP once', () => {
    const e = entry({ args: ['-pp', '4', '--enforce-eager'] });
    const out = entryWithLayout(e, {
      tensorParallel: 8,
      pipelineParallel: 2,
      gpusPerPod: 8,
      pods: 2,
      totalGpus: 16,
      multiNode: true,
      reasons: [],
    });
    assert.equal(out.tensorParallel, 8);
    assert.deepEqual(out.args, ['--enforce-eager', '--pipeline-parallel-size', '2']);
  });
});
