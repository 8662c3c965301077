import assert from 'node:assert/strict';
import { test } from 'vitest';
import { computeTco, monthsToBreakEven } from '../../src/tco/compute-tco.js';
import { scheduleElectricity } from '../../src/tco/schedule-electricity.js';
import { sensitivity } from '../../src/tco/sensitivity.js';
import type { Tariff, UsageSchedule } from '../../src/tco/types.js';

test('the plan’s worked example: $12,000 + $50/month + $500/year over 3 years is $15,300, break-even $5,100 a year', () => {
  const t = computeTco({
    hardwareUsd: 12_000,
    years: 3,
    maintenanceUsdPerYear: 500,
    electricityUsdPerMonth: 50,
    cloudUsdPerMonth: 0,
  });
  // The three terms, each shown.
  assert.deepEqual(
    [t.total.hardwareUsd, t.total.electricityUsd, t.total.maintenanceUsd],
    [12_000, 1_800, 1_500],
  );
  assert.equal(t.total.totalUsd, 15_300);
  assert.equal(t.breakEvenCloudUsdPerYear, 5_100);
  assert.equal(t.breakEvenCloudUsdPerMonth, 425);
  assert.deepEqual(
    t.byYear.map((y) => [
      y.year,
      y.hardwareUsd,
      y.electricityUsd,
      y.maintenanceUsd,
      y.totalUsd,
      y.cumulativeUsd,
    ]),
    [
      [1, 12_000, 600, 500, 13_100, 13_100],
      [2, 0, 600, 500, 1_100, 14_200],
      [3, 0, 600, 500, 1_100, 15_300],
    ],
  );
  // Spending nothing on the cloud, owning never pays back.
  assert.equal(t.breakEvenMonth, null);
});

test('break-even month: spending exactly the break-even amount pays back in the last month of the horizon', () => {
  const at = (cloudUsdPerMonth: number) =>
    computeTco({
      hardwareUsd: 12_000,
      years: 3,
      maintenanceUsdPerYear: 500,
      electricityUsdPerMonth: 50,
      cloudUsdPerMonth,
    });
  // Margin $425 − ($50 + $41.67) = $333.33 a month; $12,000 / $333.33 = 36 months.
  assert.equal(at(425).breakEvenMonth, 36);
  assert.equal(at(425).breakEvenWithinHorizon, true);
  assert.equal(Math.round(at(425).total.savingsUsd * 100) / 100, 0);
  // $1,091.67 a month: margin $1,000, 12 months.
  assert.equal(at(1_000 + 50 + 500 / 12).breakEvenMonth, 12);
  // $400 a month: margin $308.33, 39 months, past the horizon.
  assert.equal(at(400).breakEvenMonth, 39);
  assert.equal(at(400).breakEvenWithinHorizon, false);
  assert.equal(monthsToBreakEven(0, 10), 1);
  assert.equal(monthsToBreakEven(100, -1), null);
});

test('a horizon that is not whole years ends part-way through the last year', () => {
  const t = computeTco({
    hardwareUsd: 1000,
    years: 1.5,
    maintenanceUsdPerYear: 120,
    electricityUsdPerMonth: 10,
    cloudUsdPerMonth: 100,
  });
  assert.deepEqual(
    t.byYear.map((y) => [y.year, y.electricityUsd, y.maintenanceUsd, y.cloudUsd]),
    [
      [1, 120, 120, 1200],
      [2, 60, 60, 600],
    ],
  );
  assert.equal(t.total.totalUsd, 1000 + 180 + 180);
});

// Flat 30¢; nights 22:00–06:00 every day at 10¢; weekday evenings 17:00–21:00 at 50¢.
const TOU: Tariff = {
  usdPerKWh: 0.3,
  timezone: 'UTC',
  bands: [
    {
      name: 'night',
      usdPerKWh: 0.1,
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      fromHour: 22,
      toHour: 6,
    },
    { name: 'peak', usdPerKWh: 0.5, days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 17, toHour: 21 },
  ],
};
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const WEEKS_PER_MONTH = 365.25 / 12 / 7;

const TOU_CASES: {
  name: string;
  schedule: UsageSchedule;
  tariff: Tariff;
  usdPerWeek: number;
  kWhPerWeek: number;
}[] = [
  {
    // Load 40 h × 1 kW at 30¢ = $12. Idle 128 h × 0.1 kW: night 56 h → 5.6 kWh × 10¢ = $0.56; peak 20 h → 2 kWh ×
    // 50¢ = $1.00; the other 52 h → 5.2 kWh × 30¢ = $1.56. Week: $15.12 for 52.8 kWh.
    name: 'office hours 9–17 on weekdays',
    schedule: { loadW: 1000, idleW: 100, hoursPerDay: 8, days: WEEKDAYS, startHour: 9 },
    tariff: TOU,
    usdPerWeek: 15.12,
    kWhPerWeek: 52.8,
  },
  {
    // Load 18–02 on weekdays: 3 h peak + 1 h flat + 4 h night = $1.50 + $0.30 + $0.40 = $2.20 a day, $11 a week.
    // Idle 128 h: night 56 − 20 = 36 h → $0.36; peak 20 − 15 = 5 h → $0.25; other 128 − 36 − 5 = 87 h → $2.61.
    name: 'an evening shift 18–02 that runs past midnight',
    schedule: { loadW: 1000, idleW: 100, hoursPerDay: 8, days: WEEKDAYS, startHour: 18 },
    tariff: TOU,
    usdPerWeek: 11 + 0.36 + 0.25 + 2.61,
    kWhPerWeek: 52.8,
  },
  {
    // Flat tariff, always at load: 168 h × 0.5 kW × 20¢ = $16.80.
    name: 'flat tariff, round the clock',
    schedule: {
      loadW: 500,
      idleW: 50,
      hoursPerDay: 24,
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      startHour: 0,
    },
    tariff: { usdPerKWh: 0.2, bands: [], timezone: 'UTC' },
    usdPerWeek: 16.8,
    kWhPerWeek: 84,
  },
];

for (const c of TOU_CASES) {
  test(`time-of-use electricity: ${c.name}`, () => {
    const e = scheduleElectricity(c.schedule, c.tariff);
    assert.equal(round4(e.usdPerMonth), round4(c.usdPerWeek * WEEKS_PER_MONTH));
    assert.equal(round4(e.kWhPerMonth), round4(c.kWhPerWeek * WEEKS_PER_MONTH));
    assert.equal(round4(e.byBand.reduce((s, b) => s + b.usdPerMonth, 0)), round4(e.usdPerMonth));
  });
}

test('sensitivity: each row changes one input; the base rows are the scenario itself', () => {
  const schedule: UsageSchedule = { loadW: 1000, idleW: 100, hoursPerDay: 8, days: WEEKDAYS, startHour: 9 };
  const electricityUsdPerMonth = scheduleElectricity(schedule, TOU).usdPerMonth;
  const terms = {
    hardwareUsd: 12_000,
    years: 3,
    maintenanceUsdPerYear: 500,
    electricityUsdPerMonth,
    cloudUsdPerMonth: 1_000,
  };
  const rows = sensitivity(terms, { schedule, tariff: TOU });
  const base = computeTco(terms);
  for (const r of rows.filter((x) => x.base)) {
    assert.equal(round4(r.totalUsd), round4(base.total.totalUsd), `${r.factor} ${r.value}`);
    assert.equal(r.breakEvenMonth, base.breakEvenMonth);
  }
  const of = (factor: string, value: string) => rows.find((r) => r.factor === factor && r.value === value)!;
  // Doubling every price doubles the electricity: 2 × $15.12 a week.
  assert.equal(round4(of('tariff', '×2').electricityUsdPerMonth), round4(2 * 15.12 * WEEKS_PER_MONTH));
  // Round the clock on weekdays: each is 8 h night + 4 h peak + 12 h flat at 1 kW = $0.80 + $2 + $3.60, five times
  // $32; the weekend idles at 0.1 kW, 16 h night + 32 h flat = $0.16 + $0.96. Week: $33.12.
  assert.equal(round4(of('utilisation', '24 h/day').electricityUsdPerMonth), round4(33.12 * WEEKS_PER_MONTH));
  // Half the cloud price: margin $500 − running ($65.75 + $41.67) → 31 months; at ×1.5: $1,500 → 9 months.
  assert.equal(
    of('cloud price', '×0.5').breakEvenMonth,
    Math.ceil(12_000 / (500 - electricityUsdPerMonth - 500 / 12)),
  );
  assert.equal(
    of('cloud price', '×1.5').breakEvenMonth,
    Math.ceil(12_000 / (1_500 - electricityUsdPerMonth - 500 / 12)),
  );
  // More expensive cloud never makes owning pay back later.
  const cloud = rows.filter((r) => r.factor === 'cloud price');
  for (let i = 1; i < cloud.length; i++)
    assert.ok((cloud[i]!.breakEvenMonth ?? Infinity) <= (cloud[i - 1]!.breakEvenMonth ?? Infinity));
});

test('sensitivity without a schedule scales the monthly electricity and leaves utilisation out', () => {
  const rows = sensitivity(
    {
      hardwareUsd: 12_000,
      years: 3,
      maintenanceUsdPerYear: 500,
      electricityUsdPerMonth: 50,
      cloudUsdPerMonth: 425,
    },
    null,
  );
  assert.equal(rows.filter((r) => r.factor === 'utilisation').length, 0);
  assert.deepEqual(
    rows.filter((r) => r.factor === 'tariff').map((r) => [r.value, r.totalUsd]),
    [
      ['×0.5', 14_400],
      ['×1', 15_300],
      ['×1.5', 16_200],
      ['×2', 17_100],
    ],
  );
});

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
