import type { Ledger } from '../ledger/ledger.js';
import type { EngineBench } from './types.js';

/** Stores one engine's bench in the ledger (`bench_runs`); the full figures go into its JSON detail. */
export function recordBench(ledger: Ledger, bench: EngineBench): void {
  ledger.db
    .prepare(
      `INSERT INTO bench_runs (ts_ms, host, engine, model, decode_tps, prompt_tps, predicted_decode_tps,
         roofline_decode_tps, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      Date.parse(bench.startedAt),
      bench.host,
      bench.engine,
      bench.model,
      bench.decodeTokensPerS,
      bench.promptTokensPerS,
      bench.reference?.plannerTokensPerS ?? null,
      bench.reference?.rooflineTokensPerS ?? null,
      JSON.stringify(bench),
    );
}

/** The latest measured decode speed for a host and model, for the planner to prefer over its estimate. */
export function latestMeasuredDecode(
  ledger: Ledger,
  host: string,
  model: string,
): { decodeTokensPerS: number; tsMs: number } | undefined {
  if (!ledger.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bench_runs'").get())
    return undefined;
  const row = ledger.db
    .prepare(
      'SELECT decode_tps AS decodeTokensPerS, ts_ms AS tsMs FROM bench_runs WHERE host = ? AND model = ? ORDER BY ts_ms DESC, id DESC LIMIT 1',
    )
    .get(host, model) as { decodeTokensPerS: number; tsMs: number } | undefined;
  return row;
}
