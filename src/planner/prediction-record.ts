import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { StateDir } from '../core/state-dir.js';

/**
 * Predicted against measured engine memory, kept in the state directory (`$OPS_HOME/predictions/<engine>.json`)
 * so `ops plan --explain` can show how far the planner's numbers were from what the engine allocated.
 */

/** Memory by kind, in bytes. */
export interface MemoryFigures {
  weightsBytes: number;
  kvCacheBytes: number;
  /** Compute (activation) buffers plus the logits output buffer. */
  computeBytes: number;
  totalBytes: number;
}

/** One engine entry checked after `ops up`. */
export interface PredictionRecord {
  checkedAt: string;
  deployment: string;
  entry: string;
  engine: string;
  model: string;
  /** GGUF file type (`Q8_0`, `MOSTLY_Q4_K_M` …) when known. */
  fileType?: string;
  contextLength: number;
  parallel: number;
  /** KV cells per slot as llama.cpp reports them (`-c / --parallel`, padded). */
  kvCellsPerSeq: number;
  kvCacheType: string;
  flashAttention: boolean;
  predicted: MemoryFigures;
  actual: MemoryFigures;
  /** (predicted − actual) / actual, per figure; 0.05 is 5 % high. */
  error: Record<keyof MemoryFigures, number>;
}

export interface PredictionLog {
  engine: string;
  records: PredictionRecord[];
}

/** Records kept per engine file: enough history to see a trend, small enough to read at a glance. */
export const MAX_PREDICTION_RECORDS = 200;

/** Relative error of every figure (pure); an actual of 0 gives 0 when the prediction is 0 too, else 1. */
export function predictionError(
  predicted: MemoryFigures,
  actual: MemoryFigures,
): Record<keyof MemoryFigures, number> {
  const rel = (p: number, a: number) => (a === 0 ? (p === 0 ? 0 : 1) : (p - a) / a);
  return {
    weightsBytes: rel(predicted.weightsBytes, actual.weightsBytes),
    kvCacheBytes: rel(predicted.kvCacheBytes, actual.kvCacheBytes),
    computeBytes: rel(predicted.computeBytes, actual.computeBytes),
    totalBytes: rel(predicted.totalBytes, actual.totalBytes),
  };
}

/** `$OPS_HOME/predictions`. */
export function predictionsDir(state: Pick<StateDir, 'root'>): string {
  return join(state.root, 'predictions');
}

function fileName(engine: string): string {
  return `${engine.replace(/[^A-Za-z0-9.-]+/g, '-')}.json`;
}

/** The records of one engine, oldest first (empty when none were written). */
export function readPredictionLog(state: Pick<StateDir, 'root'>, engine: string): PredictionLog {
  try {
    const doc = JSON.parse(
      readFileSync(join(predictionsDir(state), fileName(engine)), 'utf8'),
    ) as PredictionLog;
    return { engine, records: Array.isArray(doc.records) ? doc.records : [] };
  } catch {
    return { engine, records: [] };
  }
}

/** Appends records to their engine's file (atomically; the oldest beyond MAX_PREDICTION_RECORDS are dropped). */
export function appendPredictionRecords(state: Pick<StateDir, 'root'>, records: PredictionRecord[]): void {
  const dir = predictionsDir(state);
  mkdirSync(dir, { recursive: true });
  for (const engine of new Set(records.map((r) => r.engine))) {
    const log = readPredictionLog(state, engine);
    log.records.push(...records.filter((r) => r.engine === engine));
    log.records = log.records.slice(-MAX_PREDICTION_RECORDS);
    writeFileAtomic(join(dir, fileName(engine)), `${JSON.stringify(log, null, 2)}\n`);
  }
}

/** The last check: every record that shares the newest `checkedAt`, over all engines given. */
export function lastComparison(state: Pick<StateDir, 'root'>, engines: string[]): PredictionRecord[] {
  const all = engines.flatMap((e) => readPredictionLog(state, e).records);
  // ISO timestamps sort as strings.
  const newest = all
    .map((r) => r.checkedAt)
    .sort()
    .at(-1);
  return all.filter((r) => r.checkedAt === newest);
}

/** Human lines for records: one per entry, each figure predicted / actual and the error. */
export function formatPredictionRecords(records: PredictionRecord[]): string {
  if (records.length === 0)
    return 'no prediction has been checked yet: run `ops up`, which compares the plan with what the engine allocates';
  const mib = (b: number) => `${(b / (1024 * 1024)).toFixed(2)} MiB`;
  const pct = (e: number) => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
  const out = [`last check ${records[0]?.checkedAt} (deployment ${records[0]?.deployment}):`];
  for (const r of records) {
    out.push(
      `  ${r.entry} (${r.engine}, ${r.fileType ?? '?'}, -c ${r.contextLength} × ${r.parallel} slots, ${r.kvCellsPerSeq} KV cells per slot, ${r.kvCacheType} KV)`,
    );
    for (const [label, key] of [
      ['weights', 'weightsBytes'],
      ['KV cache', 'kvCacheBytes'],
      ['compute', 'computeBytes'],
      ['total', 'totalBytes'],
    ] as const) {
      out.push(
        `    ${label.padEnd(9)} predicted ${mib(r.predicted[key]).padStart(12)}  actual ${mib(r.actual[key]).padStart(12)}  ${pct(r.error[key])}`,
      );
    }
  }
  return out.join('\n');
}
