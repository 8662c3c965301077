import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { passRate, rateDifference } from '../../src/eval/wilson.js';

const close = (a: number, b: number, eps = 5e-4) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

describe('Wilson interval', () => {
  // Reference values: Newcombe (1998), Table I (Wilson score interval without continuity correction).
  it('matches published values', () => {
    const a = passRate(81, 263);
    close(a.low, 0.2553);
    close(a.high, 0.3662);
    const b = passRate(15, 148);
    close(b.low, 0.0624);
    close(b.high, 0.1605);
    const c = passRate(0, 20);
    assert.equal(c.low, 0);
    close(c.high, 0.1611);
    const d = passRate(1, 29);
    close(d.low, 0.0061);
    close(d.high, 0.1718);
  });

  it('stays inside [0, 1], holds the rate, and narrows with more tasks', () => {
    for (const [k, n] of [
      [0, 1],
      [1, 1],
      [3, 7],
      [40, 40],
      [17, 40],
    ] as const) {
      const r = passRate(k, n);
      assert.ok(r.low >= 0 && r.high <= 1 && r.low <= r.rate && r.rate <= r.high, `${k}/${n}`);
    }
    const few = passRate(5, 10);
    const many = passRate(50, 100);
    assert.ok(many.high - many.low < few.high - few.low);
    assert.deepEqual(passRate(0, 0), { passed: 0, total: 0, rate: 0, low: 0, high: 1 });
  });

  it('gives the difference of two rates with Newcombe hybrid interval', () => {
    // Newcombe (1998) Table II, example (e): 56/70 vs 48/80 → difference 0.2, method 10 gives 0.0524 to 0.3339.
    const d = rateDifference(passRate(48, 80), passRate(56, 70));
    close(d.diff, 0.2);
    close(d.low, 0.0524);
    close(d.high, 0.3339);
    const same = rateDifference(passRate(10, 20), passRate(10, 20));
    assert.ok(same.low < 0 && same.high > 0);
  });
});
