import assert from 'node:assert/strict';
import { test } from 'vitest';
import { loadDefaultPrices } from '../../src/config/load-config.js';
import { OpsError } from '../../src/core/errors.js';
import { parseCloudUsageCsv } from '../../src/tco/cloud-usage-csv.js';

const prices = loadDefaultPrices();
const MONTH_DAYS = 365.25 / 12;

const CASES = [
  {
    name: 'a cost column in dollars over a whole 30-day month',
    csv: 'Date,Model,Cost (USD)\n2026-11-01,claude-sonnet-4-5,"$1,200.00"\n2026-11-30,claude-opus-4-5,300\n',
    totalUsd: 1500,
    days: 30,
    basis: 'cost column',
  },
  {
    name: 'a cost column in cents (the Admin API’s unit) over two weeks',
    csv: 'starting_at,amount_cents\n2026-11-01T00:00:00Z,12345\n2026-11-14T00:00:00Z,655\n',
    totalUsd: 130,
    days: 14,
    basis: 'cost column',
  },
  {
    // Opus 4.5+: 1M plain × $5 + 10M reads × $0.50 + 1M writes × $6.25 + 0.2M output × $25 = 5 + 5 + 6.25 + 5.
    name: 'token columns priced cache-aware, no dates',
    csv: 'model,uncached_input_tokens,cache_read_input_tokens,cache_creation_input_tokens,output_tokens\nclaude-opus-4-5,1000000,10000000,1000000,200000\n',
    totalUsd: 21.25,
    days: null,
    basis: 'tokens at list prices',
  },
] as const;

for (const c of CASES) {
  test(`console CSV: ${c.name}`, () => {
    const spend = parseCloudUsageCsv(c.csv, prices);
    assert.equal(Math.round(spend.totalUsd * 100) / 100, c.totalUsd);
    assert.equal(spend.days, c.days);
    assert.equal(spend.basis, c.basis);
    const perMonth = c.days === null ? c.totalUsd : (c.totalUsd * MONTH_DAYS) / c.days;
    assert.ok(Math.abs(spend.usdPerMonth - perMonth) < 1e-9);
    // A file that covers less than four weeks, or has no dates, says so.
    assert.equal(spend.warnings.length > 0, c.days === null || c.days < 28);
  });
}

test('console CSV with neither costs nor tokens is refused with the columns it has', () => {
  assert.throws(
    () => parseCloudUsageCsv('date,workspace\n2026-11-01,default\n', prices),
    (e: unknown) => e instanceof OpsError && e.exitCode === 2 && /date, workspace/.test(e.message),
  );
  assert.throws(
    () => parseCloudUsageCsv('', prices),
    (e: unknown) => e instanceof OpsError && /no rows/.test(e.message),
  );
});
