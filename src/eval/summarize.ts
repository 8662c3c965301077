import type { EvalApi } from './model-client.js';
import type { PassRate, TaskOutcome } from './types.js';
import { passRate } from './wilson.js';

/** One suite run against one model: every outcome, the pass rate with its interval, per band, and latency. */
export interface SuiteResult {
  suite: string;
  kind: 'code' | 'tools' | 'agentic';
  model: string;
  api: EvalApi;
  /** Where it ran: `local` through the gateway, or `baseline` (the cloud, stored for later comparisons). */
  target: 'local' | 'baseline';
  /** A label for `--compare` runs (a quantization, a KV cache type); absent otherwise. */
  variant?: string;
  startedAt: string;
  durationMs: number;
  overall: PassRate;
  bands: Record<string, PassRate>;
  meanLatencyMs: number;
  p95LatencyMs: number;
  outcomes: TaskOutcome[];
}

/** What names a suite run (the suite, the model and API it asked, where it ran, the variant it measured). */
export interface SuiteRunIdentity {
  suite: string;
  kind: SuiteResult['kind'];
  model: string;
  api: EvalApi;
  target?: SuiteResult['target'] | undefined;
  variant?: string | undefined;
}

/** A task that could not be graded (its request failed, the agent left no result): an error outcome, saying why. */
export function errorOutcome(
  head: Pick<TaskOutcome, 'id' | 'suite' | 'language' | 'band'>,
  detail: string,
  latencyMs = 0,
): TaskOutcome {
  return { ...head, passed: false, status: 'error', latencyMs, testMs: 0, detail };
}

/** Starts a suite run's clock; `finish` summarizes its outcomes with the run's identity, start time and duration. */
export function startSuiteRun(run: SuiteRunIdentity): { finish(outcomes: TaskOutcome[]): SuiteResult } {
  const started = new Date();
  const t0 = performance.now();
  return {
    finish: (outcomes) =>
      summarize({
        suite: run.suite,
        kind: run.kind,
        model: run.model,
        api: run.api,
        target: run.target ?? 'local',
        ...(run.variant ? { variant: run.variant } : {}),
        startedAt: started.toISOString(),
        durationMs: Math.round(performance.now() - t0),
        outcomes,
      }),
  };
}

/** Aggregates outcomes into a SuiteResult (pure). */
export function summarize(
  head: Omit<SuiteResult, 'overall' | 'bands' | 'meanLatencyMs' | 'p95LatencyMs'>,
): SuiteResult {
  const outcomes = head.outcomes;
  const bands: Record<string, PassRate> = {};
  for (const band of [...new Set(outcomes.flatMap((o) => (o.band ? [o.band] : [])))].sort()) {
    const inBand = outcomes.filter((o) => o.band === band);
    bands[band] = passRate(inBand.filter((o) => o.passed).length, inBand.length);
  }
  const latencies = outcomes
    .filter((o) => o.status !== 'error')
    .map((o) => o.latencyMs)
    .sort((a, b) => a - b);
  const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
  const p95 = latencies.length
    ? latencies[Math.min(latencies.length - 1, Math.ceil(0.95 * latencies.length) - 1)]!
    : 0;
  return {
    ...head,
    overall: passRate(outcomes.filter((o) => o.passed).length, outcomes.length),
    bands,
    meanLatencyMs: Math.round(mean),
    p95LatencyMs: Math.round(p95),
  };
}
