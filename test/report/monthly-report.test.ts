import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { loadDefaultPrices } from '../../src/config/load-config.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { updateRollups } from '../../src/ledger/rollups.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { buildReport } from '../../src/report/build-report.js';
import { gatherReportInputs } from '../../src/report/gather-inputs.js';
import { resolveReportSettings } from '../../src/report/report-settings.js';
import type { MonthlyReport } from '../../src/report/types.js';
import { CONFIG, EXPECTED, electricityUsd, fillMarchLedger, MONTH, NOW_MS } from './march-fixture.js';

const close = (actual: number | null, expected: number, digits = 6) =>
  assert.ok(
    actual !== null && Math.abs(actual - expected) < 10 ** -digits,
    `expected ${expected}, got ${actual}`,
  );

describe('monthly report on a hand-computed month', () => {
  let dir: string;
  let ledger: Ledger;
  let fromRollups: MonthlyReport;
  let onTheFly: MonthlyReport;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ops-report-'));
    ledger = Ledger.open(join(dir, 'ledger.sqlite'));
    fillMarchLedger(ledger);
    const profile = loadProfiles(defaultProfilesDir()).find((p) => p.id === 'consumer')!;
    const settings = resolveReportSettings(CONFIG, profile, loadDefaultPrices());
    // First with no rollups stored: the report computes them in memory from the raw rows.
    onTheFly = buildReport(gatherReportInputs(ledger, MONTH, settings, NOW_MS));
    updateRollups(
      ledger,
      Date.parse('2026-02-27T00:00:00Z'),
      Date.parse('2026-04-03T00:00:00Z'),
      NOW_MS,
      settings.rollup,
    );
    fromRollups = buildReport(gatherReportInputs(ledger, MONTH, settings, NOW_MS));
  });
  afterAll(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('uptime is measured against the probes that should exist (the day the box was off counts as down)', () => {
    const u = fromRollups.uptime;
    assert.equal(u.primaryTarget, 'gateway');
    close(u.percent, EXPECTED.gatewayUptime);
    close(u.targets.find((x) => x.target === 'coder')!.percent, EXPECTED.coderUptime);
    assert.equal(u.targets.find((x) => x.target === 'gateway')!.expectedSlots, 89_280);
    assert.equal(u.downMinutes, 1560);
    assert.equal(u.daily.find((d) => d.day === '2026-03-10')!.percent, 0);
    assert.equal(u.daily.find((d) => d.day === '2026-03-11')!.percent, 100);
  });

  test('incidents have start, end, duration and cause, and are cut at both month boundaries', () => {
    const got = fromRollups.uptime.incidents.map((i) => ({
      target: i.target,
      start: i.start,
      end: i.end,
      minutes: i.durationMinutes,
      from: i.continuedFromPreviousMonth,
      next: i.continuesNextMonth,
      cause: i.causes[0],
    }));
    assert.deepEqual(got, EXPECTED.incidents);
  });

  test('energy by part and its cost under a time-of-use tariff', () => {
    const e = fromRollups.energy;
    assert.equal(e.tariff, 'time-of-use');
    close(e.gpu.kWh, EXPECTED.gpuKWh);
    close(e.gpu.costUsd, EXPECTED.gpuUsd);
    close(e.cpu.kWh, EXPECTED.cpuKWh);
    close(e.cpu.costUsd, EXPECTED.cpuUsd);
    close(e.rest.kWh, EXPECTED.restKWh);
    close(e.rest.costUsd, EXPECTED.restUsd);
    close(e.total.costUsd, electricityUsd());
    const peak = e.byBand.find((b) => b.band === 'peak')!;
    close(peak.kWh, EXPECTED.peakKWh);
    close(peak.costUsd, EXPECTED.peakUsd);
    close(e.measuredHours, 24);
    close(e.expectedHours, 31 * 24);
    assert.deepEqual(
      e.byDevice.filter((d) => d.source === 'gpu').map((d) => d.device),
      ['gpu0', 'gpu1'],
    );
  });

  test('tokens by model and route, their cloud-equivalent value and the actual cloud spend', () => {
    const t = fromRollups.tokens;
    close(t.cloudEquivalentUsd, EXPECTED.cloudEquivalentUsd);
    close(t.cloudSpendUsd, EXPECTED.cloudSpendUsd);
    close(t.localSharePercent, EXPECTED.localSharePercent);
    assert.deepEqual(t.local, {
      requests: 15,
      inputTokens: 18_000,
      plainInputTokens: 18_000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 9_000,
    });
    assert.deepEqual(t.cloud, {
      requests: 2,
      inputTokens: 2_000,
      plainInputTokens: 2_000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 2_000,
    });
    assert.equal(t.byModel.find((l) => l.model === 'quality')!.pricedAs, 'sonnet (default)');
    assert.ok(fromRollups.warnings.some((w) => w.includes('quality')));
    assert.equal(t.daily.find((d) => d.day === '2026-03-05')!.localTokens, 27_000);
  });

  test('latency percentiles and time to first token against the 30 s target', () => {
    const l = fromRollups.latency;
    assert.equal(l.requests, 16);
    assert.equal(l.failedRequests, 1);
    assert.equal(l.p50Ms, EXPECTED.p50Ms);
    assert.equal(l.p95Ms, EXPECTED.p95Ms);
    close(l.averageMs, EXPECTED.averageMs);
    assert.equal(l.ttftP50Ms, EXPECTED.ttftP50Ms);
    assert.equal(l.ttftP95Ms, EXPECTED.ttftP95Ms);
    assert.equal(l.overTarget, EXPECTED.overTarget);
  });

  test('TCO to date and over the horizon, and the success metrics', () => {
    const c = fromRollups.tco;
    assert.equal(c.monthsInService, 1);
    assert.equal(c.horizonMonths, 36);
    const running = electricityUsd() + 50 + EXPECTED.cloudSpendUsd;
    close(c.monthlyCostAfterHardwareUsd, running);
    close(c.toDate.totalUsd, 5000 / 36 + running);
    close(c.toDate.cloudUsd, EXPECTED.cloudEquivalentUsd + EXPECTED.cloudSpendUsd);
    close(c.overHorizon.totalUsd, 5000 + 36 * running, 4);
    close(c.overHorizon.cloudUsd, 36 * (EXPECTED.cloudEquivalentUsd + EXPECTED.cloudSpendUsd), 4);
    assert.equal(c.breakEvenMonth, null);
    assert.deepEqual(
      fromRollups.metrics.map((m) => [m.name, m.met]),
      [
        ['Uptime', false],
        ['Average latency', true],
        ['Monthly cost after hardware', true],
        ['Requests served locally', null],
      ],
    );
  });

  test('model changes: every attempt touching the month, grouped by id, with its outcome, cut at the edges', () => {
    const mc = fromRollups.modelChanges;
    assert.deepEqual(
      mc.attempts.map((a) => ({
        id: a.id,
        start: a.start,
        action: a.action,
        strategy: a.strategy,
        outcome: a.outcome,
        reason: a.reason,
        from: a.from,
        to: a.to,
        durationMs: a.durationMs,
        cut: [a.startedBeforeMonth, a.endedAfterMonth],
      })),
      [
        {
          id: 'edge-in',
          start: '2026-02-28T23:58:00.000Z',
          action: 'upgrade',
          strategy: 'blue-green',
          outcome: 'switched',
          reason: null,
          from: ['b'],
          to: ['c'],
          durationMs: 300_000,
          cut: [true, false],
        },
        {
          id: 'ok',
          start: '2026-03-12T09:00:00.000Z',
          action: 'upgrade',
          strategy: 'blue-green',
          outcome: 'switched',
          reason: null,
          from: ['coder', 'fast'],
          to: ['coder-2', 'fast'],
          durationMs: 240_000,
          cut: [false, false],
        },
        {
          id: 'rb',
          start: '2026-03-18T14:00:00.000Z',
          action: 'upgrade',
          strategy: 'stop-and-swap',
          outcome: 'rolled-back',
          reason: 'smoke check failed: HTTP 500 | bad\nsecond line',
          from: [],
          to: [],
          durationMs: 45_000,
          cut: [false, false],
        },
        {
          id: 'edge-out',
          start: '2026-03-31T23:59:00.000Z',
          action: 'rollback',
          strategy: 'blue-green',
          outcome: 'failed',
          reason: 'engine did not start',
          from: [],
          to: [],
          durationMs: 120_000,
          cut: [false, true],
        },
      ],
    );
    assert.deepEqual([mc.switched, mc.rolledBack, mc.failed, mc.unfinished], [2, 1, 1, 0]);
    assert.deepEqual(fromRollups.modelChanges.attempts[2]!.changes, ['coder: coder-2 → coder-3']);
  });

  test('stored rollups and rollups computed on the fly give the same report', () => {
    const strip = (r: MonthlyReport) => JSON.parse(JSON.stringify({ ...r, generatedAt: '' }));
    assert.deepEqual(strip(onTheFly), strip(fromRollups));
  });
});
