/**
 * `ops report` on a month of 1-second power samples for 8 GPUs (plus the rest-of-system constant), probes of three
 * targets every 30 s with outages, and 60,000 requests. Times, separately:
 *   1. writing the raw rows (what the agent does over the month; not part of the report),
 *   2. producing the rollups from the raw rows (what the agent does once a day, and `ops ledger import` after an
 *      import),
 *   3. the `ops report` command itself (a child process, tsx start-up included) in md, html and json, reading the
 *      rollups, and the same report computed in-process.
 *   node --import tsx bench/report/month-8gpu.ts [days=31] [gpus=8]
 * Leaves nothing behind (the ledger lives in a temp dir that is removed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDefaultPrices } from '../../src/config/load-config.js';
import { opsConfigSchema } from '../../src/config/ops-config.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { updateRollups } from '../../src/ledger/rollups.js';
import type { ProbeResult, UsageRow } from '../../src/ledger/types.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { buildReport } from '../../src/report/build-report.js';
import { gatherReportInputs } from '../../src/report/gather-inputs.js';
import { renderHtml } from '../../src/report/render-html.js';
import { resolveReportSettings } from '../../src/report/report-settings.js';

const DAYS = Number(process.argv[2] ?? 31);
const GPUS = Number(process.argv[3] ?? 8);
const MONTH = '2026-03';
const FROM = Date.parse('2026-03-01T00:00:00Z');
const TO = FROM + DAYS * 86_400_000;
const OPS_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'ops.js');

const home = mkdtempSync(join(tmpdir(), 'ops-bench-report-'));
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
try {
  const config = `profile: enterprise\ntariff:\n  usdPerKWh: 0.12\n  bands: [{ name: peak, usdPerKWh: 0.32, days: [mon, tue, wed, thu, fri], fromHour: 16, toHour: 21 }]\nhardware: { startDate: 2026-01-01 }\n`;
  writeFileSync(join(home, 'config.yaml'), config);
  const ledger = Ledger.open(join(home, 'ledger.sqlite'));

  // 1. Raw rows.
  let t0 = process.hrtime.bigint();
  const power = ledger.db.prepare(
    'INSERT INTO power_samples (source, device, ts_ms, power_w, energy_j) VALUES (?, ?, ?, ?, ?)',
  );
  const counters = new Float64Array(GPUS);
  const offDay = FROM + 9 * 86_400_000; // the box is off on the 10th: nothing is written
  let rows = 0;
  const writeHour = ledger.db.transaction((hourStart: number) => {
    for (let ts = hourStart; ts < hourStart + 3_600_000; ts += 1000) {
      if (ts >= offDay && ts < offDay + 86_400_000) continue;
      for (let g = 0; g < GPUS; g++) {
        const w = 350 + 250 * Math.sin(ts / 3.6e6 + g);
        counters[g]! += w;
        // Half the GPUs report an energy counter (as DCGM does), half only power (as nvidia-smi does).
        power.run('gpu', `gpu${g}`, ts, w, g % 2 === 0 ? counters[g]! : null);
      }
      power.run('rest', 'rest', ts, 150, null);
      rows += GPUS + 1;
    }
  });
  for (let h = FROM; h < TO; h += 3_600_000) writeHour(h);
  const probes: ProbeResult[] = [];
  for (let ts = FROM; ts < TO; ts += 30_000) {
    if (ts >= offDay && ts < offDay + 86_400_000) continue;
    const down = ts % (7 * 86_400_000) < 20 * 60_000; // 20 minutes down each week
    for (const target of ['gateway', 'coder', 'fast']) {
      probes.push({
        tsMs: ts + 1000,
        target,
        ok: !down,
        latencyMs: down ? null : 4,
        error: down ? 'HTTP 503' : null,
      });
    }
  }
  ledger.insertProbes(probes);
  const usage: UsageRow[] = [];
  for (let i = 0; i < 60_000; i++) {
    const route = i % 10 === 0 ? 'cloud' : 'local';
    usage.push({
      tsMs: FROM + Math.floor((i / 60_000) * (TO - FROM)),
      api: 'anthropic',
      model: ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-5'][i % 3]!,
      upstream: route === 'local' ? 'coder' : 'anthropic',
      route,
      inputTokens: 2000 + (i % 5000),
      // Claude-Code-like: most of the prompt is read from the cache.
      cacheReadTokens: 1500 + (i % 3000),
      cacheWriteTokens: 100,
      outputTokens: 300 + (i % 700),
      latencyMs: 1000 + ((i * 37) % 40_000),
      ttftMs: 200 + ((i * 13) % 3000),
      status: i % 97 === 0 ? 500 : 200,
      dedupKey: null,
    });
  }
  ledger.insertUsage(usage);
  ledger.db.pragma('wal_checkpoint(TRUNCATE)');
  const writeS = seconds(t0);
  const sizeMiB = statSync(join(home, 'ledger.sqlite')).size / 2 ** 20;
  console.log(
    `raw rows: ${rows.toLocaleString()} power samples + ${probes.length.toLocaleString()} probes + ${usage.length.toLocaleString()} requests written in ${writeS.toFixed(1)} s (${sizeMiB.toFixed(0)} MiB)`,
  );

  // 2. Rollups from raw.
  const parsed = opsConfigSchema.parse({ profile: 'enterprise', hardware: { startDate: '2026-01-01' } });
  const profile = loadProfiles(defaultProfilesDir()).find((p) => p.id === 'enterprise')!;
  const settings = resolveReportSettings(parsed, profile, loadDefaultPrices());
  t0 = process.hrtime.bigint();
  const days = updateRollups(ledger, FROM, TO, Date.now(), settings.rollup, { force: true });
  const rollupS = seconds(t0);
  console.log(
    `rollups from raw: ${days.length} days in ${rollupS.toFixed(1)} s (${((rows + probes.length) / rollupS / 1e6).toFixed(2)} M rows/s)`,
  );

  // 3. The report, in-process and through the CLI.
  t0 = process.hrtime.bigint();
  const report = buildReport(gatherReportInputs(ledger, MONTH, settings, Date.now()));
  renderHtml(report);
  console.log(
    `report in-process (gather + compute + html): ${(seconds(t0) * 1000).toFixed(0)} ms; uptime ${report.uptime.percent?.toFixed(3)}%, ${report.energy.total.kWh.toFixed(0)} kWh, ${report.uptime.incidents.length} incidents`,
  );
  ledger.close();
  for (const format of ['md', 'html', 'json']) {
    t0 = process.hrtime.bigint();
    const r = spawnSync(
      process.execPath,
      [OPS_BIN, 'report', '--month', MONTH, '--format', format, '--out', join(home, `r.${format}`)],
      {
        env: { ...process.env, OPS_HOME: home },
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    console.log(
      `ops report --format ${format}: ${seconds(t0).toFixed(2)} s (whole command, node + tsx start-up included)`,
    );
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
