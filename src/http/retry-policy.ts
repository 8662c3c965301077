/**
 * When to retry a failed request and how long to wait (pure). Exponential backoff with "equal jitter" (AWS
 * Architecture Blog, "Exponential Backoff and Jitter"), so parallel connections that failed together do not retry
 * in step.
 */
export interface RetryPolicy {
  /** Attempts per chunk without progress before giving up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 15_000 };

/** Delay before attempt `attempt` (1 = first retry); `random` in [0, 1) is injectable for tests. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: number = Math.random()): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (cap / 2) * random);
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
  // undici's own codes for a dropped socket and for the connect, response-head and body timeouts.
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * True when retrying can help: dropped or refused connections, timeouts, a body that ended early, and HTTP 408,
 * 429 and 5xx (huggingface_hub retries the same set). 4xx such as 401/403/404 are final.
 */
export function isTransient(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return status === 408 || status === 429 || status >= 500;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return (error as { transient?: unknown }).transient === true;
}
