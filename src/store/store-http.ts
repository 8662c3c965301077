import { type HttpClient, HttpError, type HttpResponse, httpClient } from '../http/http-client.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import { DownloadError } from './store-errors.js';

/**
 * The store's requests to a hub, its mirror or its CDN, through the one HTTP client (src/http/): ranges and
 * If-Range spelled once, and a non-2xx answer turned into a DownloadError with the hint users need for it (a
 * token for 401/403, the name for 404). Failures without an answer are the HTTP layer's HttpError.
 */
export interface StoreGetOptions {
  headers?: Record<string, string>;
  /** `[start, end)`; sends `Range: bytes=start-(end-1)`, or `bytes=start-` without an end. */
  range?: { start: number; end?: number };
  /** Sent as If-Range so a changed file answers 200 (whole file) instead of mixing two versions. */
  ifRange?: string;
  method?: 'GET' | 'HEAD';
  /** The download engine's own client (a connection per parallel range); default the shared one. */
  client?: HttpClient;
  signal?: AbortSignal;
  /** No response head, or no body bytes, for this long fails the request (a stalled server); default 30 s. */
  idleTimeoutMs?: number;
  /** Default the HTTP layer's; the download engine retries ranges itself (resuming) and passes `'none'`. */
  retry?: RetryPolicy | 'none';
}

/**
 * One GET (or HEAD) following redirects: the answer keeps the final URL and the first hop's headers. The token
 * never follows a redirect to another origin (the HTTP layer's rule). Non-2xx rejects with a DownloadError.
 */
export async function storeGet(url: string, options: StoreGetOptions = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'user-agent': 'ops-model-store', ...options.headers };
  if (options.range)
    headers.range = `bytes=${options.range.start}-${options.range.end === undefined ? '' : options.range.end - 1}`;
  if (options.ifRange) headers['if-range'] = options.ifRange;
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const res = await (options.client ?? httpClient())
    .request(url, {
      method: options.method ?? 'GET',
      headers,
      signal: options.signal,
      headersTimeoutMs: idleMs,
      bodyIdleTimeoutMs: idleMs,
      retry: options.retry,
    })
    .catch((error: unknown) => {
      throw error instanceof HttpError && UNREACHED.has(error.kind) ? error.withHint(UNREACHED_HINT) : error;
    });
  if (!res.ok) {
    const text = await res.text(64 << 10).catch(() => '');
    throw httpStatusError(res.finalUrl, res.status, text);
  }
  return res;
}

/** GET a small JSON document (hub API answers). */
export async function storeGetJson<T>(
  url: string,
  options: StoreGetOptions = {},
): Promise<{ json: T; res: HttpResponse }> {
  const res = await storeGet(url, options);
  const text = await res.text(64 << 20);
  try {
    return { json: JSON.parse(text) as T, res };
  } catch (cause) {
    throw new DownloadError(`${url} did not answer JSON`, {
      cause,
      hint: 'check that HF_ENDPOINT is a hub (or a mirror of it)',
    });
  }
}

/** Failures that mean the hub (or mirror) was not reached at all: the setting to check is HF_ENDPOINT. */
const UNREACHED = new Set(['refused', 'unresolved', 'unreachable', 'connect-timeout']);
const UNREACHED_HINT =
  'check HF_ENDPOINT (a mirror this machine reaches) and the network; a started pull resumes where it stopped';

const STATUS_HINTS: Record<number, string> = {
  401: 'the repo is private or gated: set HF_TOKEN to a token that may read it',
  403: 'access was refused: accept the model licence on the hub page, and set HF_TOKEN',
  404: 'no such repo, revision or file: check the name (and --revision), or whether HF_ENDPOINT mirrors it',
};

/** The DownloadError for a non-2xx answer, with a hint for the statuses users hit (401, 403, 404, 5xx). */
export function httpStatusError(url: string, status: number, body: string): Error {
  const detail = body.trim().slice(0, 200);
  return new DownloadError(`GET ${url} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, {
    status,
    hint: STATUS_HINTS[status] ?? (status >= 500 ? 'the server failed; try again later' : undefined),
  });
}
