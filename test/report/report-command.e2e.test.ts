import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import type { MonthlyReport } from '../../src/report/types.js';
import { runCli } from '../support/run-cli.js';
import { EXPECTED, fillMarchLedger } from './march-fixture.js';

const CONFIG_YAML = `
profile: consumer
tariff:
  usdPerKWh: 0.1
  timezone: UTC
  bands:
    - { name: peak, usdPerKWh: 0.3, days: [mon, tue, wed, thu, fri], fromHour: 17, toHour: 21 }
hardware: { costUsd: 5000, startDate: 2026-03-01, lifetimeYears: 3, maintenanceUsdPerYear: 600 }
energy: { maxGapS: 60, maxCounterGapS: 3600 }
agent: { probeIntervalS: 30 }
`;

describe('ops report and ops ledger import through the CLI', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'ops-report-cli-'));
    writeFileSync(join(home, 'config.yaml'), CONFIG_YAML);
    const ledger = Ledger.open(join(home, 'ledger.sqlite'));
    fillMarchLedger(ledger);
    ledger.close();
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  test('--format json carries the hand-computed figures', async () => {
    const r = await runCli(['report', '--month', '2026-03', '--format', 'json'], { OPS_HOME: home });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as MonthlyReport;
    assert.ok(Math.abs(report.uptime.percent! - EXPECTED.gatewayUptime) < 1e-9);
    assert.equal(report.uptime.incidents.length, 5);
    assert.ok(
      Math.abs(report.energy.total.kWh - (EXPECTED.gpuKWh + EXPECTED.cpuKWh + EXPECTED.restKWh)) < 1e-9,
    );
    assert.equal(report.latency.p95Ms, EXPECTED.p95Ms);
  });

  test('markdown and html render every section; html has four charts and print styles', async () => {
    const md = await runCli(['report', '--month', '2026-03'], { OPS_HOME: home });
    assert.equal(md.code, 0, md.stderr);
    for (const heading of [
      '## Success metrics',
      '## Uptime',
      '### Incidents (5)',
      '## Energy',
      '## Tokens',
      '## Latency',
      '## Model changes',
      '## Total cost of ownership',
    ]) {
      assert.ok(md.stdout.includes(heading), heading);
    }
    assert.match(
      md.stdout,
      /\| gateway \| 2026-03-31 23:30 UTC \| 2026-04-01 00:00 UTC \(continues\) \| 30 min \| timeout after 5000 ms \|/,
    );
    assert.match(
      md.stdout,
      /\| 2026-03-31 23:59 UTC \| demo \| rollback \| blue-green \| \*\*failed\*\* \(2026-04-01 00:01 UTC\): engine did not start \| coder: coder-2 → coder \| 2 min \|/,
    );
    assert.match(
      md.stdout,
      /Model changes: 4 upgrade\/rollback attempts this month, 2 switched, \*\*1 rolled back\*\*, \*\*1 failed\*\*/,
    );
    const out = join(home, 'report.html');
    const html = await runCli(['report', '--month', '2026-03', '--format', 'html', '--out', out], {
      OPS_HOME: home,
    });
    assert.equal(html.code, 0, html.stderr);
    const text = readFileSync(out, 'utf8');
    assert.equal(text.match(/<svg /g)?.length, 4);
    assert.match(text, /@media print/);
    assert.match(text, /<h2>Uptime<\/h2>/);
    assert.match(text, /<h2>Model changes<\/h2>\n<table>/);
  });

  test('upgrade events spooled by ops upgrade-models reach the report when no agent runs', async () => {
    const other = mkdtempSync(join(tmpdir(), 'ops-report-events-'));
    try {
      writeFileSync(join(other, 'config.yaml'), CONFIG_YAML);
      mkdirSync(join(other, 'spool', 'events'), { recursive: true });
      const base = { id: '0a1b2c', deployment: 'demo', action: 'upgrade', strategy: 'stop-and-swap' };
      writeFileSync(
        join(other, 'spool', 'events', 'upgrades.ndjson'),
        `${JSON.stringify({ ts: '2026-03-09T10:00:00.000Z', kind: 'upgrade:start', ...base, changes: ['coder: a → b'] })}\n${JSON.stringify({ ts: '2026-03-09T10:01:30.000Z', kind: 'upgrade:rolled-back', ...base, reason: 'health check timed out', durationMs: 90_000 })}\n`,
      );
      const r = await runCli(['report', '--month', '2026-03', '--format', 'json'], { OPS_HOME: other });
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as MonthlyReport;
      assert.deepEqual(
        report.modelChanges.attempts.map((a) => [a.id, a.outcome, a.reason, a.durationMs]),
        [['0a1b2c', 'rolled-back', 'health check timed out', 90_000]],
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('a bad month or a broken config is a user error with a hint', async () => {
    const bad = await runCli(['report', '--month', '2026-13'], { OPS_HOME: home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /YYYY-MM/);
    const other = mkdtempSync(join(tmpdir(), 'ops-report-cfg-'));
    try {
      writeFileSync(
        join(other, 'config.yaml'),
        'tariff:\n  usdPerKWh: -1\n  bands: [{ name: x, usdPerKWh: 1, fromHour: 7.1, toHour: 9 }]\nagent: { probeIntervalS: 7 }\n',
      );
      const r = await runCli(['report', '--month', '2026-03', '--profile', 'consumer'], { OPS_HOME: other });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /tariff\.usdPerKWh/);
      assert.match(r.stderr, /tariff\.bands\[0\]\.fromHour/);
      assert.match(r.stderr, /agent\.probeIntervalS/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('ledger import: CSV power readings, re-import skipped, invalid file refused with line numbers', async () => {
    const csv = join(home, 'plug.csv');
    writeFileSync(
      csv,
      'ts,source,device,powerW\n2026-02-10T00:00:00Z,wall,plug,300\n2026-02-10T00:00:30Z,wall,plug,310\n',
    );
    const first = await runCli(['ledger', 'import', '--kind', 'power', csv, '--json'], { OPS_HOME: home });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).inserted, 2);
    const again = await runCli(['ledger', 'import', '--kind', 'power', csv], { OPS_HOME: home });
    assert.match(again.stdout, /imported 0 of 2 power records .* 2 already in the ledger/);
    const bad = join(home, 'bad.ndjson');
    writeFileSync(bad, '{"ts":"2026-02-10T00:01:00Z","source":"gpu","device":"gpu0"}\n');
    const refused = await runCli(['ledger', 'import', '--kind', 'power', bad], { OPS_HOME: home });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /line 1 › powerW: needs powerW or energyJ/);
    assert.match(refused.stderr, /--skip-invalid/);
  });
});
