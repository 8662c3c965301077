import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { CloudBudget, weekStartMs } from '../../src/gateway/hybrid/cloud-budget.js';
import { decideTarget, type TargetInputs } from '../../src/gateway/hybrid/decide-target.js';

const calm: TargetInputs = {
  mode: 'local-first',
  localDown: false,
  localQueued: 0,
  overflowQueueDepth: 8,
  promptTokens: 1000,
  largestLocalContext: 32768,
  cloudDown: false,
  budgetSpent: false,
};

describe('decideTarget', () => {
  const table: [string, Partial<TargetInputs>, string, string][] = [
    ['local-only ignores everything', { mode: 'local-only', localDown: true }, 'local', 'local-only'],
    ['local-first, all well', {}, 'local', 'local-preferred'],
    ['local-first, local down', { localDown: true }, 'cloud', 'local-down'],
    ['local-first, queue at the threshold', { localQueued: 8 }, 'cloud', 'local-overloaded'],
    ['local-first, queue below it', { localQueued: 7 }, 'local', 'local-preferred'],
    [
      'local-first, prompt over every local context',
      { promptTokens: 40_000 },
      'cloud',
      'prompt-exceeds-local',
    ],
    [
      'local-first, local down but cloud down too',
      { localDown: true, cloudDown: true },
      'local',
      'cloud-down',
    ],
    [
      'local-first, overloaded but budget spent',
      { localQueued: 99, budgetSpent: true },
      'local',
      'cloud-budget-spent',
    ],
    ['cloud-first, all well', { mode: 'cloud-first' }, 'cloud', 'cloud-preferred'],
    ['cloud-first, cloud down', { mode: 'cloud-first', cloudDown: true }, 'local', 'cloud-down'],
    ['cloud-first, budget spent', { mode: 'cloud-first', budgetSpent: true }, 'local', 'cloud-budget-spent'],
  ];
  for (const [name, over, target, reason] of table) {
    it(name, () => assert.deepEqual(decideTarget({ ...calm, ...over }), { target, reason }));
  }
});

describe('CloudBudget', () => {
  it('weeks start on Monday 00:00 UTC', () => {
    // 2025-06-04 was a Wednesday.
    assert.equal(new Date(weekStartMs(Date.UTC(2025, 5, 4, 15))).toISOString(), '2025-06-02T00:00:00.000Z');
    assert.equal(new Date(weekStartMs(Date.UTC(2025, 5, 8, 23))).toISOString(), '2025-06-02T00:00:00.000Z');
    assert.equal(new Date(weekStartMs(Date.UTC(2025, 5, 9, 0))).toISOString(), '2025-06-09T00:00:00.000Z');
  });

  it('is spent at the token cap or the dollar cap, and starts over next week', () => {
    let now = Date.UTC(2025, 5, 4);
    const budget = new CloudBudget({ tokens: 1_000_000, usd: 10 }, () => now);
    budget.record(1_000_000, 0); // $3
    assert.equal(budget.spent(), true);
    now += 7 * 24 * 3600_000;
    assert.equal(budget.spent(), false);
    budget.record(0, 700_000); // 700k tokens, $10.50
    assert.equal(budget.spent(), true);
    assert.equal(budget.spending().usd, 10.5);
  });
});
