/**
 * How long the gateway waits, for clients and for upstreams. Defaults fit local engines on slow hardware: a
 * CPU engine can take minutes to read Claude Code's ~20K-token prompt before its first byte, so the first
 * byte gets 10 minutes, while silence in the middle of an answer (a wedged engine) is cut after 2.
 */
export interface GatewayTimeouts {
  /** A client's request headers must arrive within this (node:http `headersTimeout`). */
  headersMs: number;
  /** A client's whole request, body included, must arrive within this (node:http `requestTimeout`). */
  requestBodyMs: number;
  /** TCP connection to an upstream. */
  upstreamConnectMs: number;
  /** From sending a request to the upstream's response headers. */
  upstreamFirstByteMs: number;
  /** Longest silence between two pieces of an upstream's answer. */
  upstreamIdleMs: number;
}

export const DEFAULT_TIMEOUTS: GatewayTimeouts = {
  headersMs: 30_000,
  requestBodyMs: 120_000,
  upstreamConnectMs: 5_000,
  upstreamFirstByteMs: 600_000,
  upstreamIdleMs: 120_000,
};

/** Defaults with the given values over them. */
export function resolveTimeouts(partial: Partial<GatewayTimeouts> | undefined): GatewayTimeouts {
  const t = { ...DEFAULT_TIMEOUTS, ...partial };
  // node:http refuses a headers timeout longer than the whole request's.
  return { ...t, headersMs: Math.min(t.headersMs, t.requestBodyMs) };
}
