/**
 * A hand-computed month (March 2026, UTC; 1 March is a Sunday) for the report tests. Every expected figure below
 * was worked out by hand from the rows written here, not by the code under test.
 */
import type { OpsConfig } from '../../src/config/ops-config.js';
import { opsConfigSchema } from '../../src/config/ops-config.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { PowerSample, ProbeResult, UpgradeEventRow, UsageRow } from '../../src/ledger/types.js';

const H = 3_600_000;
const t = (iso: string) => Date.parse(iso);

export const MONTH = '2026-03';
export const NOW_MS = t('2026-04-15T00:00:00Z');

export const CONFIG: OpsConfig = opsConfigSchema.parse({
  profile: 'consumer',
  tariff: {
    usdPerKWh: 0.1,
    timezone: 'UTC',
    bands: [
      { name: 'peak', usdPerKWh: 0.3, days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromHour: 17, toHour: 21 },
    ],
  },
  hardware: { costUsd: 5000, startDate: '2026-03-01', lifetimeYears: 3, maintenanceUsdPerYear: 600 },
  energy: { maxGapS: 60, maxCounterGapS: 3600 },
  agent: { probeIntervalS: 30 },
});

/** Probes every 30 s from 28 Feb to 1 Apr 01:00 for `gateway` and `coder`, with four known outages. */
function probes(): ProbeResult[] {
  const rows: ProbeResult[] = [];
  const from = t('2026-02-28T00:00:00Z');
  const to = t('2026-04-01T01:00:00Z');
  const offFrom = t('2026-03-10T00:00:00Z');
  const offTo = t('2026-03-11T00:00:00Z');
  for (let ms = from; ms < to; ms += 30_000) {
    if (ms >= offFrom && ms < offTo) continue; // box off for a whole day: nothing written at all
    const at = ms + 5_000;
    let error: string | null = null;
    if (ms >= t('2026-02-28T23:00:00Z') && ms < t('2026-03-01T01:00:00Z')) error = 'HTTP 503';
    if (ms >= t('2026-03-20T12:00:00Z') && ms < t('2026-03-20T12:30:00Z'))
      error = 'connect ECONNREFUSED 127.0.0.1:8080';
    if (ms >= t('2026-03-31T23:30:00Z') && ms < t('2026-04-01T00:30:00Z')) error = 'timeout after 5000 ms';
    rows.push({ tsMs: at, target: 'gateway', ok: error === null, latencyMs: error ? null : 3, error });
    rows.push({ tsMs: at + 1000, target: 'coder', ok: true, latencyMs: 2, error: null });
  }
  return rows;
}

/** Power on Monday 2 March only (see the expected figures). */
function power(): PowerSample[] {
  const rows: PowerSample[] = [];
  const from = t('2026-03-02T00:00:00Z');
  const to = t('2026-03-03T00:00:00Z');
  let counterJ = 1_000_000;
  for (let ms = from; ms <= to; ms += 60_000) {
    // gpu0: 400 W, readings missing 06:00–08:00 (a 2 h gap is unknown energy, not interpolated).
    if (ms <= t('2026-03-02T06:00:00Z') || ms >= t('2026-03-02T08:00:00Z')) {
      rows.push({ tsMs: ms, source: 'gpu', device: 'gpu0', powerW: 400, energyJ: null });
    }
    // gpu1: an energy counter only, 200 W worth; the counter resets at 12:00 (one unknown minute).
    if (ms === t('2026-03-02T12:00:00Z')) counterJ = 0;
    rows.push({ tsMs: ms, source: 'gpu', device: 'gpu1', powerW: null, energyJ: counterJ });
    counterJ += 200 * 60;
    rows.push({ tsMs: ms, source: 'cpu', device: 'package-0', powerW: 50, energyJ: null });
    rows.push({ tsMs: ms, source: 'rest', device: 'rest', powerW: 60, energyJ: null });
  }
  return rows;
}

function usage(): UsageRow[] {
  const rows: UsageRow[] = [];
  const base = t('2026-03-05T10:00:00Z');
  const add = (
    i: number,
    model: string,
    route: 'local' | 'cloud',
    input: number,
    output: number,
    latencyS: number,
    status = 200,
  ): void => {
    rows.push({
      tsMs: base + i * 60_000,
      api: 'anthropic',
      model,
      upstream: route === 'local' ? 'coder' : 'anthropic',
      route,
      inputTokens: input,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: output,
      latencyMs: latencyS * 1000,
      ttftMs: latencyS * 100,
      status,
      dedupKey: null,
    });
  };
  for (let i = 1; i <= 10; i++) add(i, 'claude-sonnet-4-5', 'local', 1000, 500, i);
  for (const [i, s] of [20, 25, 35, 40].entries()) add(20 + i, 'quality', 'local', 2000, 1000, s);
  for (const [i, s] of [2, 3].entries()) add(30 + i, 'claude-haiku-4-5', 'cloud', 1000, 1000, s);
  add(40, 'claude-sonnet-4-5', 'local', 0, 0, 0.1, 500);
  return rows;
}

/**
 * Upgrade and rollback attempts: one entirely in February, one that starts on 28 Feb and switches on 1 Mar, one
 * switched and one rolled back in March, a rollback that starts on 31 Mar and fails on 1 Apr, one in April.
 */
function upgradeEvents(): UpgradeEventRow[] {
  const rows: UpgradeEventRow[] = [];
  const add = (
    attemptId: string,
    iso: string,
    kind: UpgradeEventRow['kind'],
    detail: UpgradeEventRow['detail'],
    action: 'upgrade' | 'rollback' = 'upgrade',
    strategy = 'blue-green',
  ) => rows.push({ tsMs: t(iso), kind, attemptId, deployment: 'demo', action, strategy, detail });
  add('feb', '2026-02-10T09:00:00Z', 'upgrade:start', { changes: ['coder: a → b'] });
  add('feb', '2026-02-10T09:01:00Z', 'upgrade:switched', { from: ['a'], to: ['b'], durationMs: 60_000 });
  add('edge-in', '2026-02-28T23:58:00Z', 'upgrade:start', { changes: ['coder: b → c'] });
  add('edge-in', '2026-03-01T00:03:00Z', 'upgrade:switched', { from: ['b'], to: ['c'], durationMs: 300_000 });
  add('ok', '2026-03-12T09:00:00Z', 'upgrade:start', {
    changes: ['coder: coder (c.gguf) → coder-2 (d.gguf)'],
  });
  add('ok', '2026-03-12T09:04:00Z', 'upgrade:switched', {
    from: ['coder', 'fast'],
    to: ['coder-2', 'fast'],
    durationMs: 240_000,
  });
  add(
    'rb',
    '2026-03-18T14:00:00Z',
    'upgrade:start',
    { changes: ['coder: coder-2 → coder-3'] },
    'upgrade',
    'stop-and-swap',
  );
  add(
    'rb',
    '2026-03-18T14:00:45Z',
    'upgrade:rolled-back',
    { reason: 'smoke check failed: HTTP 500 | bad\nsecond line', durationMs: 45_000 },
    'upgrade',
    'stop-and-swap',
  );
  add(
    'edge-out',
    '2026-03-31T23:59:00Z',
    'upgrade:start',
    { changes: ['coder: coder-2 → coder'] },
    'rollback',
  );
  add(
    'edge-out',
    '2026-04-01T00:01:00Z',
    'upgrade:failed',
    { reason: 'engine did not start', durationMs: 120_000 },
    'rollback',
  );
  add('apr', '2026-04-05T09:00:00Z', 'upgrade:start', { changes: ['coder: x → y'] });
  return rows;
}

export function fillMarchLedger(ledger: Ledger): void {
  ledger.insertProbes(probes());
  ledger.insertPowerSamples(power());
  ledger.insertUsage(usage());
  ledger.insertEvents(upgradeEvents());
}

/** The figures worked out by hand. */
export const EXPECTED = {
  // 31 days × 2880 slots; gateway down 120 (1 Mar 00–01) + 2880 (10 Mar) + 60 (20 Mar 12:00–12:30) + 60 (31 Mar 23:30–24:00).
  gatewayUptime: ((89_280 - 3_120) / 89_280) * 100,
  coderUptime: ((89_280 - 2_880) / 89_280) * 100,
  incidents: [
    {
      target: 'gateway',
      start: '2026-03-01T00:00:00.000Z',
      end: '2026-03-01T01:00:00.000Z',
      minutes: 60,
      from: true,
      next: false,
      cause: 'HTTP 503',
    },
    {
      target: 'coder',
      start: '2026-03-10T00:00:00.000Z',
      end: '2026-03-11T00:00:00.000Z',
      minutes: 1440,
      from: false,
      next: false,
      cause: 'no probe recorded (box or agent off)',
    },
    {
      target: 'gateway',
      start: '2026-03-10T00:00:00.000Z',
      end: '2026-03-11T00:00:00.000Z',
      minutes: 1440,
      from: false,
      next: false,
      cause: 'no probe recorded (box or agent off)',
    },
    {
      target: 'gateway',
      start: '2026-03-20T12:00:00.000Z',
      end: '2026-03-20T12:30:00.000Z',
      minutes: 30,
      from: false,
      next: false,
      cause: 'connect ECONNREFUSED 127.0.0.1:8080',
    },
    {
      target: 'gateway',
      start: '2026-03-31T23:30:00.000Z',
      end: '2026-04-01T00:00:00.000Z',
      minutes: 30,
      from: false,
      next: true,
      cause: 'timeout after 5000 ms',
    },
  ],
  // gpu0 400 W × 22 h = 8.8 kWh (peak 17–21 on a Monday: 1.6 kWh); gpu1 200 W × 24 h less one unknown minute.
  gpuKWh: 8.8 + 4.8 - 200 / 60 / 1000,
  gpuUsd: 1.6 * 0.3 + 7.2 * 0.1 + 0.8 * 0.3 + (4.0 - 200 / 60 / 1000) * 0.1,
  cpuKWh: 1.2,
  cpuUsd: 0.2 * 0.3 + 1.0 * 0.1,
  restKWh: 1.44,
  restUsd: 0.24 * 0.3 + 1.2 * 0.1,
  peakKWh: 1.6 + 0.8 + 0.2 + 0.24,
  peakUsd: (1.6 + 0.8 + 0.2 + 0.24) * 0.3,
  // Sonnet $3/$15: 10k in + 5k out = $0.105; "quality" priced as sonnet: 8k in + 4k out = $0.084. Haiku $1/$5: 2k + 2k.
  cloudEquivalentUsd: 0.105 + 0.084,
  cloudSpendUsd: 0.012,
  localSharePercent: (15 / 17) * 100,
  // 16 successful latencies (s): 1..10, 20, 25, 35, 40, 2, 3.
  p50Ms: 6000,
  p95Ms: 40000,
  averageMs: 11250,
  ttftP50Ms: 600,
  ttftP95Ms: 4000,
  overTarget: 2,
} as const;

export const electricityUsd = () => EXPECTED.gpuUsd + EXPECTED.cpuUsd + EXPECTED.restUsd;
export { H };
