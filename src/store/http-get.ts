import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { DownloadError } from './store-errors.js';

/** An HTTP response whose body has not been read yet. */
export interface OpenResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** URL after redirects (a CDN URL for the hub's LFS files). */
  finalUrl: string;
  /** Headers of the first response of the redirect chain (the hub puts X-Linked-Etag/X-Repo-Commit there). */
  firstHeaders: IncomingHttpHeaders;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** `[start, end)`; sends `Range: bytes=start-(end-1)`, or `bytes=start-` without an end. */
  range?: { start: number; end?: number };
  /** Sent as If-Range so a changed file answers 200 (whole file) instead of mixing two versions. */
  ifRange?: string;
  method?: 'GET' | 'HEAD';
  agents?: { http: http.Agent; https: https.Agent };
  signal?: AbortSignal;
  /** Socket idle time after which the request fails (a stalled server), default 30 s. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
}

/** Keep-alive agents with enough sockets for `connections` parallel ranges. */
export function keepAliveAgents(connections: number): { http: http.Agent; https: https.Agent } {
  const options = { keepAlive: true, maxSockets: connections };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

/**
 * Sends one GET (or HEAD) and follows redirects itself, so the caller sees the final URL and the first hop's
 * headers. Authorization is dropped when a redirect leaves the origin (the hub redirects LFS files to a CDN that
 * must not see the token; browsers' fetch does the same). Non-2xx answers reject with an error carrying `status`.
 */
export async function httpGet(url: string, options: GetOptions = {}): Promise<OpenResponse> {
  let current = new URL(url);
  const origin = current.origin;
  let firstHeaders: IncomingHttpHeaders | undefined;
  const maxRedirects = options.maxRedirects ?? 10;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'ops-model-store', ...options.headers };
    if (current.origin !== origin) delete headers.authorization;
    if (options.range)
      headers.range = `bytes=${options.range.start}-${options.range.end === undefined ? '' : options.range.end - 1}`;
    if (options.ifRange) headers['if-range'] = options.ifRange;
    const res = await request(current, headers, options);
    firstHeaders ??= res.headers;
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current);
      continue;
    }
    if (status < 200 || status >= 300) {
      const text = await readSmallBody(res);
      throw httpStatusError(current.href, status, text);
    }
    return { status, headers: res.headers, body: res, finalUrl: current.href, firstHeaders };
  }
  throw new DownloadError(`too many redirects fetching ${url}`, { hint: 'check HF_ENDPOINT or the URL' });
}

/** GET a small JSON document (hub API answers). */
export async function httpGetJson<T>(
  url: string,
  options: GetOptions = {},
): Promise<{ json: T; res: OpenResponse }> {
  const res = await httpGet(url, options);
  const text = await readSmallBody(res.body, 64 << 20);
  try {
    return { json: JSON.parse(text) as T, res };
  } catch (cause) {
    throw new DownloadError(`${url} did not answer JSON`, {
      cause,
      hint: 'check that HF_ENDPOINT is a hub (or a mirror of it)',
    });
  }
}

function request(url: URL, headers: Record<string, string>, options: GetOptions): Promise<IncomingMessage> {
  const isHttps = url.protocol === 'https:';
  if (!isHttps && url.protocol !== 'http:')
    return Promise.reject(new DownloadError(`unsupported URL scheme ${url.protocol} in ${url.href}`));
  const lib = isHttps ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: options.method ?? 'GET',
      headers,
      agent: options.agents ? (isHttps ? options.agents.https : options.agents.http) : undefined,
      signal: options.signal,
    });
    req.setTimeout(options.idleTimeoutMs ?? 30_000, () =>
      req.destroy(
        Object.assign(
          new Error(`no data from ${url.host} for ${(options.idleTimeoutMs ?? 30_000) / 1000} s`),
          { code: 'ETIMEDOUT' },
        ),
      ),
    );
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

async function readSmallBody(res: IncomingMessage, limit = 64 << 10): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const STATUS_HINTS: Record<number, string> = {
  401: 'the repo is private or gated: set HF_TOKEN to a token that may read it',
  403: 'access was refused: accept the model licence on the hub page, and set HF_TOKEN',
  404: 'no such repo, revision or file: check the name (and --revision), or whether HF_ENDPOINT mirrors it',
};

/** The DownloadError for a non-2xx answer, with a hint for the statuses users hit (401, 403, 404, 5xx). */
export function httpStatusError(url: string, status: number, body: string): Error {
  const detail = body.trim().slice(0, 200);
  const error = new DownloadError(`GET ${url} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, {
    status,
    hint: STATUS_HINTS[status] ?? (status >= 500 ? 'the server failed; try again later' : undefined),
  });
  return error;
}
