import type { ProbeResult } from '../ledger/types.js';

/** Something the agent probes: the gateway, an engine, or a configured URL. */
export interface ProbeTarget {
  name: string;
  url: string;
}

/**
 * One probe: GET the URL; up when the answer is 2xx within the timeout. The error text becomes the incident's
 * cause in the report, so it says what happened (`HTTP 503`, `connect ECONNREFUSED 127.0.0.1:8080`, `timeout`).
 */
export async function probeTarget(
  target: ProbeTarget,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<ProbeResult> {
  const tsMs = now();
  const started = performance.now();
  try {
    const res = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    const latencyMs = performance.now() - started;
    return res.ok
      ? { tsMs, target: target.name, ok: true, latencyMs, error: null }
      : { tsMs, target: target.name, ok: false, latencyMs, error: `HTTP ${res.status}` };
  } catch (error) {
    return { tsMs, target: target.name, ok: false, latencyMs: null, error: describe(error, timeoutMs) };
  }
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  // undici wraps the socket error: "fetch failed" with the real reason in `cause`.
  return e.cause?.message ?? e.message;
}
