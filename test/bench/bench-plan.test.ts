import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { planBenchSteps } from '../../src/bench/bench-plan.js';
import { bytesPerToken, speedReference } from '../../src/bench/speed-reference.js';
import { BANDWIDTH_EFFICIENCY } from '../../src/planner/memory-constants.js';

describe('bench plan and speed reference (pure)', () => {
  it('caps prompt sizes to one slot of the context and steps agents 1, 2, 4 … slots', () => {
    assert.deepEqual(planBenchSteps({ contextLength: 131072, parallel: 2, outputTokens: 64 }), {
      promptSizes: [2048, 20000, 60000],
      skippedSizes: [],
      concurrency: [1, 2],
      contextPerSlot: 65536,
    });
    const small = planBenchSteps({ contextLength: 8192, parallel: 6, outputTokens: 64 });
    assert.deepEqual(small.promptSizes, [1237], 'even the smallest size is capped, not dropped');
    assert.deepEqual(small.skippedSizes, [2048, 20000, 60000]);
    assert.deepEqual(small.concurrency, [1, 2, 4, 6]);
    assert.deepEqual(
      planBenchSteps({ contextLength: 32768, parallel: 1, outputTokens: 64 }).promptSizes,
      [2048, 20000],
    );
  });

  it('reads every weight once per token except the embedding lookup, unless the head is tied to it', () => {
    const untied = [
      { name: 'token_embd.weight', bytes: 100 },
      { name: 'blk.0.attn_q.weight', bytes: 10 },
      { name: 'output.weight', bytes: 100 },
    ];
    assert.equal(bytesPerToken(untied), 110);
    assert.equal(bytesPerToken(untied.slice(0, 2)), 110, 'tied: the embedding is read whole as the head');
    const ref = speedReference(1e9, 100, 'given');
    assert.equal(ref.rooflineTokensPerS, 100);
    assert.equal(ref.plannerTokensPerS, 100 * BANDWIDTH_EFFICIENCY);
  });
});
