import assert from 'node:assert/strict';
import { test } from 'vitest';
import { rollupProbeDay } from '../../src/ledger/probe-slots.js';
import { NO_PROBE_CAUSE, type ProbeResult } from '../../src/ledger/types.js';

const day = Date.parse('2026-05-01T00:00:00Z');
const p = (slot: number, ok: boolean, error: string | null = null): ProbeResult => ({
  tsMs: day + slot * 3_600_000 + 1000,
  target: 'gateway',
  ok,
  latencyMs: null,
  error,
});

test('hourly slots: missing probes are down, failures carry their error, runs are maximal', () => {
  const probes = [
    p(0, true),
    p(1, false, 'HTTP 503'),
    p(2, false, 'HTTP 503'),
    /* 3, 4 missing */ p(5, true),
    p(6, true),
  ];
  const r = rollupProbeDay('gateway', probes, {
    dayMs: day,
    intervalS: 3600,
    expectedFromMs: day,
    expectedToMs: day + 7 * 3_600_000,
  });
  assert.deepEqual(r.day, {
    dayMs: day,
    target: 'gateway',
    intervalS: 3600,
    fromMs: day,
    expectedSlots: 7,
    upSlots: 3,
  });
  assert.deepEqual(r.incidents, [
    {
      target: 'gateway',
      startMs: day + 3_600_000,
      endMs: day + 5 * 3_600_000,
      causes: ['HTTP 503', NO_PROBE_CAUSE],
    },
  ]);
});

test('a slot with a failure and a success counts as up; slots not over yet are not expected', () => {
  const probes = [p(0, false, 'timeout'), { ...p(0, true), tsMs: day + 2000 }];
  const r = rollupProbeDay('gateway', probes, {
    dayMs: day,
    intervalS: 3600,
    expectedFromMs: day,
    expectedToMs: day + 1.5 * 3_600_000,
  });
  assert.equal(r.day.expectedSlots, 1);
  assert.equal(r.day.upSlots, 1);
  assert.deepEqual(r.incidents, []);
});

test('an interval that does not divide a day is refused', () => {
  assert.throws(
    () => rollupProbeDay('g', [], { dayMs: day, intervalS: 7, expectedFromMs: day, expectedToMs: day }),
    /does not divide a day/,
  );
});
