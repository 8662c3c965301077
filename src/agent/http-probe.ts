import { HttpError, httpRequest } from '../http/http-client.js';
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
    // No retry: a failed probe is the measurement (an incident in the report), and the loop probes again.
    const res = await httpRequest(target.url, { timeoutMs, retry: 'none' });
    await res.dump();
    const latencyMs = performance.now() - started;
    return res.ok
      ? { tsMs, target: target.name, ok: true, latencyMs, error: null }
      : { tsMs, target: target.name, ok: false, latencyMs, error: `HTTP ${res.status}` };
  } catch (error) {
    return { tsMs, target: target.name, ok: false, latencyMs: null, error: describe(error, timeoutMs) };
  }
}

function describe(error: unknown, timeoutMs: number): string {
  if (!(error instanceof HttpError)) return (error as Error).message;
  if (error.kind === 'timeout') return `timeout after ${timeoutMs} ms`;
  // The socket's own words (`connect ECONNREFUSED 127.0.0.1:8080`), without the URL the target already names.
  return (error.cause as Error | undefined)?.message ?? error.message;
}
