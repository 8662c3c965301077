import type { EvalRun } from './run-eval.js';
import type { PassRate } from './types.js';

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** `12/40 = 30% [18%, 45%]`: a pass rate always with its 95% interval. */
export function formatPassRate(rate: PassRate): string {
  return `${rate.passed}/${rate.total} = ${pct(rate.rate)} [${pct(rate.low)}, ${pct(rate.high)}]`;
}

/** The human summary of `ops eval`. */
export function formatEvalRun(run: EvalRun): string {
  const lines: string[] = [];
  for (const r of run.results) {
    const who = r.variant ? `${r.model} (${r.variant})` : r.model;
    lines.push(
      `${r.suite.padEnd(14)} ${who.padEnd(24)} ${formatPassRate(r.overall).padEnd(26)} latency mean ${(r.meanLatencyMs / 1000).toFixed(1)} s, p95 ${(r.p95LatencyMs / 1000).toFixed(1)} s${r.target === 'baseline' ? '  [baseline]' : ''}`,
    );
    for (const [band, rate] of Object.entries(r.bands))
      lines.push(`  ${band.padEnd(12)} ${formatPassRate(rate)}`);
    const failures = r.outcomes.filter((o) => !o.passed);
    const byStatus = new Map<string, number>();
    for (const o of failures) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
    const counts = [...byStatus];
    if (counts.length > 0) lines.push(`  not passed: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`);
  }
  for (const c of run.comparisons) {
    const sign = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}`;
    lines.push(
      `${c.suite}: ${c.variant} vs ${c.base}: ${sign(c.diff)} points [${sign(c.low)}, ${sign(c.high)}]${c.low > 0 || c.high < 0 ? '' : ' (not a significant difference)'}`,
    );
  }
  return lines.join('\n');
}
