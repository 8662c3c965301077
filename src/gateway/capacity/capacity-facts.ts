import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { CapacityFacts } from './capacity-service.js';

/**
 * The capacity facts file (`capacity-facts.json` beside the gateway's Plan copy): what the host knows that the
 * gateway cannot measure — quality (catalog or this box's eval) and `ops bench` speed — per Plan entry.
 * Written by `ops up` from the ledger and the catalog (src/runtime/capacity-facts-file.ts).
 */
export const CAPACITY_FACTS_FILE = 'capacity-facts.json';

const rate = z.number().min(0).max(1);
const factsSchema = z.strictObject({
  quality: z
    .strictObject({ score: rate, source: z.enum(['catalog', 'eval']), detail: z.string().optional() })
    .optional(),
  benchTokensPerSecond: z.number().positive().optional(),
  evalPassRates: z.strictObject({ code: rate.optional(), 'tool-use': rate.optional() }).optional(),
});
export const capacityFactsFileSchema = z.strictObject({
  writtenAt: z.string(),
  models: z.record(z.string(), factsSchema),
});
export type CapacityFactsFile = z.infer<typeof capacityFactsFileSchema>;

/** A bench run as the ledger keeps it (`bench_runs`): the model name it was run against. */
export interface BenchFact {
  model: string;
  tsMs: number;
  decodeTokensPerS: number | null;
}

/** An eval suite run (`eval_runs`, local target): kind `code` or `tools`. */
export interface EvalFact {
  model: string;
  tsMs: number;
  kind: string;
  suite: string;
  passed: number;
  total: number;
}

/**
 * Facts per Plan entry. Bench and eval runs name the model a client asked for (an entry name or an alias), so
 * each is resolved through `entryOf`; the latest run per entry wins. Quality is the latest code eval's pass rate
 * when there is one (measured here), else the catalog's figure (0–100 → 0..1). Pure.
 */
export function buildCapacityFacts(input: {
  entries: readonly string[];
  entryOf: (model: string) => string | undefined;
  bench: readonly BenchFact[];
  evals: readonly EvalFact[];
  catalogQuality: (entry: string) => { score: number; basis: string } | undefined;
}): Record<string, CapacityFacts> {
  const facts: Record<string, CapacityFacts> = {};
  const latest = <T extends { tsMs: number }>(rows: readonly T[], entry: string, keep: (r: T) => boolean) =>
    rows
      .filter((r) => keep(r) && input.entryOf((r as unknown as { model: string }).model) === entry)
      .sort((a, b) => b.tsMs - a.tsMs)[0];
  for (const entry of input.entries) {
    const f: CapacityFacts = {};
    const bench = latest(input.bench, entry, (r) => r.decodeTokensPerS !== null && r.decodeTokensPerS > 0);
    if (bench) f.benchTokensPerSecond = bench.decodeTokensPerS!;
    const code = latest(input.evals, entry, (r) => r.kind === 'code' && r.total > 0);
    const tools = latest(input.evals, entry, (r) => r.kind === 'tools' && r.total > 0);
    if (code || tools) {
      f.evalPassRates = {
        ...(code ? { code: code.passed / code.total } : {}),
        ...(tools ? { 'tool-use': tools.passed / tools.total } : {}),
      };
    }
    const catalog = input.catalogQuality(entry);
    if (code)
      f.quality = {
        score: code.passed / code.total,
        source: 'eval',
        detail: `ops eval ${code.suite}: ${code.passed}/${code.total} passed`,
      };
    else if (catalog) f.quality = { score: catalog.score / 100, source: 'catalog', detail: catalog.basis };
    if (Object.keys(f).length > 0) facts[entry] = f;
  }
  return facts;
}

/**
 * The facts in `file`, re-read when it changes (checked at most once a second); empty when it is absent or
 * unreadable — the capacity API then reports nulls rather than the gateway failing.
 */
export function watchedCapacityFacts(file: string): () => Readonly<Record<string, CapacityFacts>> {
  let checkedAt = 0;
  let mtimeMs = -1;
  let facts: Record<string, CapacityFacts> = {};
  return () => {
    const now = Date.now();
    if (now - checkedAt < 1000) return facts;
    checkedAt = now;
    try {
      const stat = statSync(file);
      if (stat.mtimeMs === mtimeMs) return facts;
      mtimeMs = stat.mtimeMs;
      const parsed = capacityFactsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      facts = parsed.success ? (parsed.data.models as Record<string, CapacityFacts>) : {};
    } catch {
      mtimeMs = -1;
      facts = {};
    }
    return facts;
  };
}
