import type { StoredSuiteRun } from '../eval/eval-store.js';
import type { SuccessMetric } from './types.js';

/** The success criteria of the product promise, against the stored cloud baseline (issue 15). */
export const QUALITY_CRITERIA = {
  /** Local task completion (agentic suite) at least this share of the cloud's. */
  completionShareOfCloud: 0.8,
  /** Local code quality (built-in code suite) at least this share of the cloud's. */
  codeQualityShareOfCloud: 0.85,
} as const;

/** One suite's latest local result beside its stored baseline. */
export interface QualityLine {
  suite: string;
  kind: string;
  model: string;
  variant: string | null;
  measuredAt: string;
  passed: number;
  total: number;
  rate: number;
  low: number;
  high: number;
  meanLatencyMs: number;
  baseline: { model: string; measuredAt: string; rate: number; low: number; high: number } | null;
  /** Local rate ÷ baseline rate; null without a baseline (or a baseline of 0). */
  shareOfBaseline: number | null;
}

/** The report's quality section: measured pass rates, the baseline, and the criteria. */
export interface QualitySection {
  lines: QualityLine[];
  criteria: SuccessMetric[];
  latencyTargetS: number;
}

/**
 * Builds the quality section from the month's eval runs and the stored baselines (pure): the latest local run of
 * each suite, model and variant, its share of the baseline's pass rate, and the three criteria.
 */
export function computeQuality(runs: readonly StoredSuiteRun[], latencyTargetS: number): QualitySection {
  const baselines = new Map(runs.filter((r) => r.target === 'baseline').map((r) => [r.suite, r]));
  const latest = new Map<string, StoredSuiteRun>();
  for (const r of runs.filter((x) => x.target === 'local')) {
    const key = `${r.suite}\u0000${r.model}\u0000${r.variant ?? ''}`;
    const seen = latest.get(key);
    if (!seen || seen.tsMs <= r.tsMs) latest.set(key, r);
  }
  const lines = [...latest.values()]
    .sort((a, b) => a.suite.localeCompare(b.suite) || a.model.localeCompare(b.model))
    .map((r): QualityLine => {
      const base = baselines.get(r.suite);
      const rate = r.total ? r.passed / r.total : 0;
      const baseRate = base?.total ? base.passed / base.total : 0;
      return {
        suite: r.suite,
        kind: r.kind,
        model: r.model,
        variant: r.variant,
        measuredAt: new Date(r.tsMs).toISOString(),
        passed: r.passed,
        total: r.total,
        rate,
        low: r.rateLow,
        high: r.rateHigh,
        meanLatencyMs: r.meanLatencyMs,
        baseline: base
          ? {
              model: base.model,
              measuredAt: new Date(base.tsMs).toISOString(),
              rate: baseRate,
              low: base.rateLow,
              high: base.rateHigh,
            }
          : null,
        shareOfBaseline: base && baseRate > 0 ? rate / baseRate : null,
      };
    });
  return { lines, criteria: criteria(lines, latencyTargetS), latencyTargetS };
}

function criteria(lines: QualityLine[], latencyTargetS: number): SuccessMetric[] {
  const share = (
    line: QualityLine | undefined,
    target: number,
    name: string,
    missing: string,
  ): SuccessMetric => {
    const targetText = `≥ ${Math.round(target * 100)}% of the cloud baseline`;
    if (!line) return { name, target: targetText, value: `no data (${missing})`, met: null };
    if (line.shareOfBaseline === null)
      return { name, target: targetText, value: `${pct(line.rate)} locally, no stored baseline`, met: null };
    return {
      name,
      target: targetText,
      value: `${pct(line.shareOfBaseline)} (${pct(line.rate)} vs ${pct(line.baseline!.rate)})`,
      met: line.shareOfBaseline >= target,
    };
  };
  const code =
    lines.find((l) => l.suite === 'builtin' && l.variant === null) ?? lines.find((l) => l.kind === 'code');
  const completion = lines.find((l) => l.kind === 'agentic');
  // An agentic task is a whole session of requests: its time is no request's latency.
  const timed = lines.filter((l) => l.total > 0 && l.kind !== 'agentic');
  const requests = timed.reduce((n, l) => n + l.total, 0);
  const meanS = requests ? timed.reduce((s, l) => s + l.meanLatencyMs * l.total, 0) / requests / 1000 : null;
  return [
    share(
      completion,
      QUALITY_CRITERIA.completionShareOfCloud,
      'Task completion vs cloud',
      'the agentic suite has not run',
    ),
    share(code, QUALITY_CRITERIA.codeQualityShareOfCloud, 'Code quality vs cloud', 'run ops eval'),
    {
      name: 'Eval latency per request',
      target: `< ${latencyTargetS} s`,
      value: meanS === null ? 'no data' : `${meanS.toFixed(2)} s`,
      met: meanS === null ? null : meanS < latencyTargetS,
    },
  ];
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** The section in Markdown (the HTML report is rendered from the Markdown). */
export function renderQualityMarkdown(q: QualitySection | undefined): string[] {
  if (!q) return [];
  const out = ['## Coding quality (ops eval)'];
  if (q.lines.length === 0) {
    out.push('No `ops eval` run this month.');
  } else {
    const rows = q.lines.map((l) => [
      l.suite,
      l.variant ? `${l.model} (${l.variant})` : l.model,
      `${l.passed}/${l.total} = ${pct(l.rate)} [${pct(l.low)}, ${pct(l.high)}]`,
      l.baseline ? `${pct(l.baseline.rate)} [${pct(l.baseline.low)}, ${pct(l.baseline.high)}]` : '—',
      l.shareOfBaseline === null ? '—' : pct(l.shareOfBaseline),
      `${(l.meanLatencyMs / 1000).toFixed(2)} s`,
    ]);
    out.push(
      [
        '| Suite | Model | Pass rate [95% CI] | Baseline | Share of baseline | Mean latency |',
        '| --- | --- | --- | --- | --- | --- |',
        ...rows.map((r) => `| ${r.join(' | ')} |`),
      ].join('\n'),
    );
  }
  out.push(
    [
      '| Criterion | Target | Measured | Status |',
      '| --- | --- | --- | --- |',
      ...q.criteria.map(
        (c) =>
          `| ${c.name} | ${c.target} | ${c.value} | ${c.met === null ? '—' : c.met ? 'met' : 'not met'} |`,
      ),
    ].join('\n'),
  );
  return out;
}
