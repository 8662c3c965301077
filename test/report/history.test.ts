import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { loadDefaultPrices } from '../../src/config/load-config.js';
import { opsConfigSchema } from '../../src/config/ops-config.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { replaceDayRollups } from '../../src/ledger/rollup-store.js';
import type { UsageRow } from '../../src/ledger/types.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { buildReport } from '../../src/report/build-report.js';
import { gatherReportInputs } from '../../src/report/gather-inputs.js';
import { resolveReportSettings } from '../../src/report/report-settings.js';

test('TCO reads the earlier months from their rollups and usage; break-even is projected from the run rate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-history-'));
  const ledger = Ledger.open(join(dir, 'ledger.sqlite'));
  try {
    const feb = Date.parse('2026-02-10T00:00:00Z');
    // February: 10 kWh on one GPU (flat $0.20 → $2.00) and 1M input tokens on a local "sonnet" ($3.00).
    replaceDayRollups(
      ledger,
      feb,
      {
        energy: [{ bucketMs: feb, source: 'gpu', device: 'gpu0', energyWh: 10_000, measuredS: 900 }],
        probeDays: [],
        incidents: [],
      },
      Date.parse('2026-04-01T00:00:00Z'),
      true,
    );
    const use = (iso: string, inputTokens: number, outputTokens: number): UsageRow => ({
      tsMs: Date.parse(iso),
      api: 'openai',
      model: 'claude-sonnet-4-5',
      upstream: 'coder',
      route: 'local',
      inputTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens,
      latencyMs: 1000,
      ttftMs: null,
      status: 200,
      dedupKey: null,
    });
    // March: 1M output tokens ($15.00), no energy.
    ledger.insertUsage([
      use('2026-02-11T00:00:00Z', 1_000_000, 0),
      use('2026-03-11T00:00:00Z', 0, 1_000_000),
    ]);
    const config = opsConfigSchema.parse({
      tariff: { usdPerKWh: 0.2 },
      hardware: { costUsd: 50, startDate: '2026-02-01', lifetimeYears: 1, maintenanceUsdPerYear: 0 },
    });
    const profile = loadProfiles(defaultProfilesDir()).find((p) => p.id === 'consumer')!;
    const settings = resolveReportSettings(config, profile, loadDefaultPrices());
    const r = buildReport(
      gatherReportInputs(ledger, '2026-03', settings, Date.parse('2026-04-02T00:00:00Z')),
    );
    assert.equal(r.tco.monthsInService, 2);
    assert.ok(Math.abs(r.tco.toDate.electricityUsd - 2) < 1e-9);
    assert.ok(Math.abs(r.tco.toDate.cloudUsd - 18) < 1e-9);
    assert.ok(Math.abs(r.tco.toDate.hardwareAmortisedUsd - 50 / 6) < 1e-9);
    // Run rate: $1 electricity and $9 of cloud-equivalent a month. Cumulative after March: local 52, cloud 18;
    // j months later 52 + j vs 18 + 9j: cloud catches up at j = 5, i.e. August.
    assert.equal(r.tco.breakEvenMonth, '2026-08');
    assert.equal(r.tco.breakEvenProjected, true);
    assert.equal(r.tco.series.length, 12);
  } finally {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
