import assert from 'node:assert/strict';
import fc from 'fast-check';
import { test } from 'vitest';
import { integrateEnergy } from '../../src/ledger/energy-integration.js';

const opts = { fromMs: 0, toMs: 3_600_000, maxGapMs: 60_000, maxCounterGapMs: 3_600_000 };
const totalWh = (m: Map<number, [number, number]>) => [...m.values()].reduce((s, [wh]) => s + wh, 0);

test('trapezoid rule on a ramp, split at the bucket edge by the interpolated power', () => {
  // 0 W at 899 s rising to 20 W at 901 s: 20 J in all, 5 J before the 900 s edge and 15 J after.
  const b = integrateEnergy(
    [
      { tsMs: 899_000, powerW: 0, energyJ: null },
      { tsMs: 901_000, powerW: 20, energyJ: null },
    ],
    opts,
  );
  assert.deepEqual([...b.keys()], [0, 900_000]);
  assert.ok(Math.abs(b.get(0)![0] * 3600 - 5) < 1e-9);
  assert.ok(Math.abs(b.get(900_000)![0] * 3600 - 15) < 1e-9);
  assert.equal(b.get(0)![1], 1);
});

test('a gap longer than maxGap is unknown: neither interpolated nor counted as covered', () => {
  const b = integrateEnergy(
    [
      { tsMs: 0, powerW: 100, energyJ: null },
      { tsMs: 60_000, powerW: 100, energyJ: null },
      { tsMs: 600_000, powerW: 100, energyJ: null },
    ],
    opts,
  );
  assert.ok(Math.abs(totalWh(b) - (100 * 60) / 3600) < 1e-9);
  assert.equal(b.get(0)![1], 60);
});

test('energy counters win over power, and a counter that went down falls back to power', () => {
  const b = integrateEnergy(
    [
      { tsMs: 0, powerW: 999, energyJ: 1000 },
      { tsMs: 10_000, powerW: 999, energyJ: 1500 }, // counter says 500 J; power would say 9990 J
      { tsMs: 20_000, powerW: 100, energyJ: 3 }, // reset: trapezoid (999+100)/2 × 10 s
    ],
    opts,
  );
  assert.ok(Math.abs(totalWh(b) * 3600 - (500 + 5495)) < 1e-6);
});

test('only the part inside the window counts', () => {
  const b = integrateEnergy(
    [
      { tsMs: -30_000, powerW: 60, energyJ: null },
      { tsMs: 30_000, powerW: 60, energyJ: null },
    ],
    opts,
  );
  assert.ok(Math.abs(totalWh(b) * 3600 - 60 * 30) < 1e-9);
});

test('property: constant power over covered time gives power × time, however the samples fall', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 3_599_999 }), { minLength: 2, maxLength: 200 }),
      fc.integer({ min: 1, max: 2000 }),
      (times, watts) => {
        const sorted = [...times].sort((a, b) => a - b);
        const b = integrateEnergy(
          sorted.map((tsMs) => ({ tsMs, powerW: watts, energyJ: null })),
          opts,
        );
        const covered = [...b.values()].reduce((s, [, sec]) => s + sec, 0);
        return Math.abs(totalWh(b) * 3600 - watts * covered) < 1e-6 * watts * 3600;
      },
    ),
  );
});
