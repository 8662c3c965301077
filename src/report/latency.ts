import type { UsageRow } from '../ledger/types.js';
import type { LatencySection } from './types.js';

/** Nearest-rank percentile of ascending-sorted values (p in 0–100); null for no values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const ascending = (values: number[]) => Float64Array.from(values).sort();

/** Latency and time to first token of successful requests (status < 400), against the target in seconds. */
export function computeLatency(rows: readonly UsageRow[], targetS: number): LatencySection {
  const ok = rows.filter((r) => r.status < 400);
  const latencies = ascending(ok.map((r) => r.latencyMs));
  const ttfts = ascending(ok.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs])));
  const all = Array.from(latencies);
  const byRoute = (['local', 'cloud'] as const).map((route) => {
    const values = Array.from(ascending(ok.filter((r) => r.route === route).map((r) => r.latencyMs)));
    return { route, requests: values.length, p50Ms: percentile(values, 50), p95Ms: percentile(values, 95) };
  });
  return {
    targetS,
    requests: ok.length,
    failedRequests: rows.length - ok.length,
    averageMs: all.length === 0 ? null : all.reduce((s, v) => s + v, 0) / all.length,
    p50Ms: percentile(all, 50),
    p95Ms: percentile(all, 95),
    ttftP50Ms: percentile(Array.from(ttfts), 50),
    ttftP95Ms: percentile(Array.from(ttfts), 95),
    overTarget: all.filter((v) => v > targetS * 1000).length,
    byRoute: byRoute.filter((r) => r.requests > 0),
  };
}
