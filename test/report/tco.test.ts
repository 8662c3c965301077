import assert from 'node:assert/strict';
import { test } from 'vitest';
import { percentile } from '../../src/report/latency.js';
import { computeTco } from '../../src/report/tco.js';
import { mergeIncidents } from '../../src/report/uptime.js';

test('break-even: hardware $1200 paid up front, $10/month electricity, $310/month of cloud-equivalent tokens', () => {
  // Cumulative local after k months: 1200 + 10k; cloud: 310k. 310k >= 1200 + 10k from k = 4.
  const tco = computeTco({
    hardwareUsd: 1200,
    lifetimeYears: 1,
    maintenanceUsdPerYear: 0,
    startMonth: '2026-11',
    reportMonth: '2026-11',
    actual: [{ month: '2026-11', electricityUsd: 10, cloudEquivalentUsd: 310, cloudSpendUsd: 0 }],
  });
  assert.equal(tco.breakEvenMonth, '2027-02');
  assert.equal(tco.breakEvenProjected, true);
  assert.equal(tco.series.length, 12);
  assert.equal(tco.toDate.hardwareAmortisedUsd, 100);
  assert.equal(tco.toDate.totalUsd, 110);
  assert.equal(tco.overHorizon.totalUsd, 1200 + 12 * 10);
  assert.equal(tco.overHorizon.cloudUsd, 12 * 310);
});

test('months with no data inside the service period count as zero; the run rate is the latest three months', () => {
  const tco = computeTco({
    hardwareUsd: 0,
    lifetimeYears: 0.5,
    maintenanceUsdPerYear: 120,
    startMonth: '2026-01',
    reportMonth: '2026-04',
    actual: [
      { month: '2026-01', electricityUsd: 100, cloudEquivalentUsd: 0, cloudSpendUsd: 0 },
      { month: '2026-04', electricityUsd: 30, cloudEquivalentUsd: 0, cloudSpendUsd: 3 },
    ],
  });
  assert.equal(tco.monthsInService, 4);
  assert.equal(tco.projectionPerMonth.electricityUsd, 10);
  assert.equal(tco.projectionPerMonth.cloudSpendUsd, 1);
  assert.equal(tco.monthlyCostAfterHardwareUsd, 30 + 10 + 3);
});

test('nearest-rank percentiles', () => {
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([5], 95), 5);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 75), 3);
  assert.equal(percentile([1, 2, 3, 4], 76), 4);
});

test('incident pieces that touch across midnight are one incident; the month boundary cuts it', () => {
  const d = (s: string) => Date.parse(s);
  const pieces = [
    {
      target: 'g',
      startMs: d('2026-01-31T22:00:00Z'),
      endMs: d('2026-02-01T00:00:00Z'),
      causes: ['HTTP 502'],
    },
    {
      target: 'g',
      startMs: d('2026-02-01T00:00:00Z'),
      endMs: d('2026-02-01T03:00:00Z'),
      causes: ['HTTP 502', 'timeout'],
    },
  ];
  const feb = mergeIncidents(pieces, d('2026-02-01T00:00:00Z'), d('2026-03-01T00:00:00Z'));
  assert.equal(feb.length, 1);
  assert.equal(feb[0]!.durationMinutes, 180);
  assert.equal(feb[0]!.continuedFromPreviousMonth, true);
  assert.deepEqual(feb[0]!.causes, ['HTTP 502', 'timeout']);
  const jan = mergeIncidents(pieces, d('2026-01-01T00:00:00Z'), d('2026-02-01T00:00:00Z'));
  assert.equal(jan[0]!.durationMinutes, 120);
  assert.equal(jan[0]!.continuesNextMonth, true);
});
