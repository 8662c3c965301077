import assert from 'node:assert/strict';
import { test } from 'vitest';
import { bandAt, createPriceLookup, type Tariff } from '../../src/report/tariff.js';

const night = { name: 'night', usdPerKWh: 0.08, days: ['fri' as const], fromHour: 22, toHour: 6 };
const peak = {
  name: 'peak',
  usdPerKWh: 0.4,
  days: ['mon' as const, 'tue' as const],
  fromHour: 17.5,
  toHour: 20,
};
const tariff: Tariff = { usdPerKWh: 0.2, bands: [night, peak], timezone: 'UTC' };

test('bands by weekday and hour; a band past midnight belongs to the day it started', () => {
  assert.equal(bandAt(tariff, 'fri', 23).band, 'night');
  assert.equal(bandAt(tariff, 'sat', 2).band, 'night');
  assert.equal(bandAt(tariff, 'fri', 2).band, 'other hours');
  assert.equal(bandAt(tariff, 'mon', 17.5).band, 'peak');
  assert.equal(bandAt(tariff, 'mon', 17.25).band, 'other hours');
  assert.equal(bandAt(tariff, 'tue', 19.75).usdPerKWh, 0.4);
  assert.equal(bandAt(tariff, 'tue', 20).usdPerKWh, 0.2);
});

test('band hours are local to the tariff time zone (Berlin is UTC+1 in January, +2 in July)', () => {
  const berlin = createPriceLookup({ ...tariff, timezone: 'Europe/Berlin' });
  // Monday 5 January 2026 16:30 UTC = 17:30 in Berlin: peak.
  assert.equal(berlin(Date.parse('2026-01-05T16:30:00Z')).band, 'peak');
  assert.equal(berlin(Date.parse('2026-01-05T16:15:00Z')).band, 'other hours');
  // Monday 6 July 2026 15:30 UTC = 17:30 CEST.
  assert.equal(berlin(Date.parse('2026-07-06T15:30:00Z')).band, 'peak');
});

test('no bands: a flat price', () => {
  assert.deepEqual(createPriceLookup({ usdPerKWh: 0.3, bands: [], timezone: 'UTC' })(0), {
    band: 'flat',
    usdPerKWh: 0.3,
  });
});
