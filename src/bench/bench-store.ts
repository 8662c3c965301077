import { existsSync } from 'node:fs';
import { Ledger } from '../ledger/ledger.js';
import type { MeasuredSpeed } from '../planner/measured-speed.js';
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

/**
 * The latest measured speeds on `host` for each model (as the Plan names it), for `ops plan` to show instead of its
 * estimates; undefined for a model never measured there. Reads the ledger as is (never creates one).
 */
export function latestMeasuredSpeeds(
  ledgerFile: string,
  host: string,
  models: readonly string[],
): (MeasuredSpeed | undefined)[] {
  if (!existsSync(ledgerFile) || models.length === 0) return models.map(() => undefined);
  const ledger = Ledger.open(ledgerFile, { readonly: true });
  try {
    if (!ledger.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bench_runs'").get())
      return models.map(() => undefined);
    const latest = ledger.db.prepare(
      `SELECT decode_tps AS decodeTokensPerS, prompt_tps AS promptTokensPerS, ts_ms AS tsMs FROM bench_runs
         WHERE host = ? AND model = ? ORDER BY ts_ms DESC, id DESC LIMIT 1`,
    );
    return models.map((model) => {
      const row = latest.get(host, model) as
        | { decodeTokensPerS: number; promptTokensPerS: number; tsMs: number }
        | undefined;
      return row
        ? {
            decodeTokensPerS: row.decodeTokensPerS,
            promptTokensPerS: row.promptTokensPerS,
            measuredAt: new Date(row.tsMs).toISOString(),
          }
        : undefined;
    });
  } finally {
    ledger.close();
  }
}
