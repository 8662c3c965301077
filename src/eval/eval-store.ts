import type { Ledger } from '../ledger/ledger.js';
import type { SuiteResult } from './summarize.js';

/** Stores one suite run in the ledger (`eval_runs`); outcomes go into its JSON detail. */
export function recordSuiteResult(ledger: Ledger, result: SuiteResult): number {
  const info = ledger.db
    .prepare(
      `INSERT INTO eval_runs (ts_ms, suite, kind, model, api, target, variant, passed, total, rate_low, rate_high,
         mean_latency_ms, p95_latency_ms, duration_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      Date.parse(result.startedAt),
      result.suite,
      result.kind,
      result.model,
      result.api,
      result.target,
      result.variant ?? null,
      result.overall.passed,
      result.overall.total,
      result.overall.low,
      result.overall.high,
      result.meanLatencyMs,
      result.p95LatencyMs,
      result.durationMs,
      JSON.stringify({ bands: result.bands, outcomes: result.outcomes }),
    );
  return Number(info.lastInsertRowid);
}

/** A stored suite run as the report reads it (no per-task detail). */
export interface StoredSuiteRun {
  tsMs: number;
  suite: string;
  kind: string;
  model: string;
  target: 'local' | 'baseline';
  variant: string | null;
  passed: number;
  total: number;
  rateLow: number;
  rateHigh: number;
  meanLatencyMs: number;
  p95LatencyMs: number;
}

/**
 * Suite runs: the local runs in [fromMs, toMs), and the latest baseline of each suite whenever it was taken (a
 * baseline is taken once and compared against for months). Empty on a ledger that predates the table.
 */
export function readSuiteRuns(ledger: Ledger, fromMs: number, toMs: number): StoredSuiteRun[] {
  if (!ledger.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'eval_runs'").get())
    return [];
  const columns = `ts_ms AS tsMs, suite, kind, model, target, variant, passed, total, rate_low AS rateLow,
    rate_high AS rateHigh, mean_latency_ms AS meanLatencyMs, p95_latency_ms AS p95LatencyMs`;
  const local = ledger.db
    .prepare(
      `SELECT ${columns} FROM eval_runs WHERE target = 'local' AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id`,
    )
    .all(fromMs, toMs) as StoredSuiteRun[];
  const baselines = ledger.db
    .prepare(
      `SELECT ${columns} FROM eval_runs e WHERE target = 'baseline' AND ts_ms < ? AND id = (
         SELECT id FROM eval_runs WHERE target = 'baseline' AND suite = e.suite AND ts_ms < ? ORDER BY ts_ms DESC, id DESC LIMIT 1)`,
    )
    .all(toMs, toMs) as StoredSuiteRun[];
  return [...baselines, ...local];
}
