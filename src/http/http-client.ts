import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import { OpsError } from '../core/errors.js';
import { HttpError, toHttpError } from './http-errors.js';
import { type HttpStream, type HttpStreamRequest, openHttpStream } from './http-stream.js';
import { redirectStep } from './redirects.js';
import { backoffDelayMs, isTransient, type RetryPolicy } from './retry-policy.js';

/**
 * The one HTTP client of ops, on undici: pooled keep-alive connections per origin, the three timeouts (connect,
 * response head, idle body) plus an overall deadline, redirects as fetch follows them, retries with backoff for
 * idempotent requests, and every transport failure mapped once into an HttpError with a hint. A status answer
 * (404, 503) is returned, not thrown: what it means is the caller's. The gateway's upstreams use it too, each
 * with an own client (its pool size and connect limit) and `stream` (http-stream.ts): the body read as it
 * arrives, no redirects or retries, a resend only for a connection dropped before any answer.
 *
 * The overall deadline is a ref'd timer on purpose: while a request waits (Docker's port proxy holding a
 * connection to an engine that is not listening yet), a pending `await` with only unref'd timers and idle
 * sockets lets the CLI exit mid-await with code 13; fetch's `AbortSignal.timeout` is unref'd.
 */
export interface HttpClientOptions {
  /** Connections per origin (the download engine's parallel ranges); default unlimited. */
  connections?: number;
  /** Time to open the TCP (and TLS) connection; default 10 s. */
  connectTimeoutMs?: number;
  /** Idle keep-alive sockets are closed after this; default 4 s (undici's). */
  keepAliveTimeoutMs?: number;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sent as the JSON body with `content-type: application/json`. */
  json?: unknown;
  /** Deadline for the whole exchange, body included, per attempt (ref'd timer). Default none. */
  timeoutMs?: number;
  /** No response head within this long fails the attempt; default `timeoutMs`, else 300 s (undici's); 0: none. */
  headersTimeoutMs?: number;
  /** No body bytes for this long fails the attempt; default `timeoutMs`, else 300 s (undici's); 0: none. */
  bodyIdleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Redirects followed; 0 returns the 3xx answer itself. Default 10. */
  maxRedirects?: number;
  /**
   * Retries for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) on transient failures: connection errors,
   * timeouts, 408, 429, 5xx. Default DEFAULT_HTTP_RETRY; `'none'` for pollers, which retry on their own clock.
   * Other methods are never retried.
   */
  retry?: RetryPolicy | 'none';
  /** Called before each retry (for progress events). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export type HttpHeaders = Record<string, string | string[] | undefined>;

export interface HttpResponse {
  status: number;
  /** 2xx. */
  ok: boolean;
  headers: HttpHeaders;
  /** The URL that answered, after redirects (the CDN for the hub's LFS files). */
  finalUrl: string;
  /** Headers of the first answer of a redirect chain (the hub puts X-Linked-Etag and X-Repo-Commit there). */
  firstHeaders: HttpHeaders;
  /** The body as a stream; read it, or call `dump()`, to free the connection. */
  body: Dispatcher.ResponseData['body'];
  /** The body as text; a body over `limitBytes` (default 64 MiB) fails. */
  text: (limitBytes?: number) => Promise<string>;
  /** The body parsed as JSON; a body that is not JSON fails with an OpsError naming the URL. */
  json: <T = unknown>() => Promise<T>;
  /** Discards the body. */
  dump: () => Promise<void>;
}

/** Retries of the HTTP layer: a few, quickly (the download engine keeps its own, longer policy per range). */
export const DEFAULT_HTTP_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 2000 };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export class HttpClient {
  private readonly agent: Agent;

  constructor(options: HttpClientOptions = {}) {
    this.agent = new Agent({
      ...(options.connections ? { connections: options.connections } : {}),
      connect: { timeout: options.connectTimeoutMs ?? 10_000 },
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 4000,
    });
  }

  /** Sends one request (following redirects, retrying when allowed) and returns the answer, body unread. */
  async request(url: string | URL, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    const method = (
      options.method ?? (options.body !== undefined || options.json !== undefined ? 'POST' : 'GET')
    ).toUpperCase();
    const policy =
      options.retry === 'none' || !IDEMPOTENT.has(method) ? undefined : (options.retry ?? DEFAULT_HTTP_RETRY);
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse | undefined;
      let failure: unknown;
      try {
        res = await this.follow(String(url), method, options);
      } catch (error) {
        failure = error;
      }
      const retryable = res
        ? res.status === 408 || res.status === 429 || res.status >= 500
        : isTransient(failure);
      if (!policy || !retryable || attempt >= policy.maxAttempts || options.signal?.aborted) {
        if (res) return res;
        throw failure;
      }
      if (res) await res.dump().catch(() => undefined);
      const delayMs = backoffDelayMs(policy, attempt);
      options.onRetry?.({
        attempt,
        delayMs,
        reason: res ? `HTTP ${res.status}` : (failure as Error).message,
      });
      await sleep(delayMs, undefined, { signal: options.signal }).catch((error) => {
        throw toHttpError(String(url), error);
      });
    }
  }

  /**
   * One exchange whose body is read as it streams (`openHttpStream`): no redirects, no retries, no overall
   * deadline, for a relay that must pass an answer on as it comes (the gateway's upstreams). `resendOnReset`:
   * times a request of any method, POST included, is sent again at once when its connection was reset or closed
   * before an answer began. A kept-alive connection the server closes just as it is reused fails this way
   * before the server read anything (llama-server's cpp-httplib closes idle and over-used ones); Node's docs
   * advise exactly this retry (`request.reusedSocket`). Default 0: only for requests a server may see twice.
   */
  async stream(
    url: string | URL,
    request: HttpStreamRequest & { resendOnReset?: number },
  ): Promise<HttpStream> {
    const target = typeof url === 'string' ? parseHttpUrl(url) : url;
    for (let resends = 0; ; resends++) {
      try {
        return await openHttpStream(this.agent, target, request);
      } catch (error) {
        const again =
          error instanceof HttpError &&
          error.kind === 'reset' &&
          resends < (request.resendOnReset ?? 0) &&
          !request.signal?.aborted;
        if (!again) throw error;
      }
    }
  }

  /** Closes the pooled connections; requests after this fail. */
  close(): Promise<void> {
    return this.agent.close();
  }

  /** Closes the connections now, failing requests in flight. */
  destroy(): Promise<void> {
    return this.agent.destroy();
  }

  private async follow(url: string, method: string, options: HttpRequestOptions): Promise<HttpResponse> {
    let current = parseHttpUrl(url);
    const firstOrigin = current.origin;
    let headers: Record<string, string> = { ...options.headers };
    let body: string | Uint8Array | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    let firstHeaders: HttpHeaders | undefined;
    const maxRedirects = options.maxRedirects ?? 10;
    for (let hop = 0; ; hop++) {
      const answer = await this.once(current, method, headers, body, options);
      firstHeaders ??= answer.headers;
      const location = answer.headers.location;
      const step =
        hop < maxRedirects
          ? redirectStep(
              firstOrigin,
              current,
              answer.statusCode,
              typeof location === 'string' ? location : undefined,
              method,
              headers,
            )
          : undefined;
      if (!step) return response(current.href, answer, firstHeaders);
      await answer.body.dump().catch(() => undefined);
      answer.settle();
      current = step.url;
      method = step.method;
      headers = step.headers;
      if (!step.keepBody) body = undefined;
    }
  }

  /** One exchange, with the deadline timer that ends when the body does. */
  private async once(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    options: HttpRequestOptions,
  ): Promise<Dispatcher.ResponseData & { settle: () => void; timedOutAfterMs: () => number | undefined }> {
    // Without a deadline the caller's signal goes to undici as it is: no controller, timer or listeners of our
    // own per request (the gateway sends every request of every client through here).
    const deadline =
      options.timeoutMs === undefined ? undefined : this.deadline(options.timeoutMs, options.signal);
    try {
      const answer = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: deadline?.signal ?? options.signal,
        // Under an overall deadline, undici's own 300 s limits must not cut a longer one short.
        headersTimeout: options.headersTimeoutMs ?? options.timeoutMs,
        bodyTimeout: options.bodyIdleTimeoutMs ?? options.timeoutMs,
      });
      if (deadline) {
        answer.body.once('close', deadline.settle);
        answer.body.once('error', deadline.settle);
        answer.body.once('end', deadline.settle);
      }
      return Object.assign(answer, {
        settle: deadline?.settle ?? noop,
        timedOutAfterMs: () => deadline?.timedOutAfterMs(),
      });
    } catch (error) {
      deadline?.settle();
      throw toHttpError(url.href, error, deadline?.timedOutAfterMs());
    }
  }

  /** The overall deadline: a ref'd timer aborting a signal that also follows the caller's; `settle` ends both. */
  private deadline(timeoutMs: number, outer: AbortSignal | undefined) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onOuterAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    return {
      signal: controller.signal,
      settle: () => {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onOuterAbort);
      },
      timedOutAfterMs: () => (timedOut ? timeoutMs : undefined),
    };
  }
}

const noop = () => undefined;

/** A URL the client can ask, or an HttpError with a hint. */
function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new HttpError(url, 'other', 'not a URL', {
      cause,
      hint: 'give a full URL such as http://127.0.0.1:8080',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new HttpError(url, 'other', `${parsed.protocol} is not HTTP`, {
      hint: 'use an http:// or https:// URL',
    });
  return parsed;
}

function response(
  url: string,
  answer: Dispatcher.ResponseData & { timedOutAfterMs: () => number | undefined },
  firstHeaders: HttpHeaders,
): HttpResponse {
  const mapped = (error: unknown) => toHttpError(url, error, answer.timedOutAfterMs());
  const text = async (limitBytes = 64 << 20) => {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of answer.body) {
        size += (chunk as Buffer).length;
        if (size > limitBytes) {
          answer.body.destroy();
          throw new OpsError(`${url} answered more than ${limitBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      throw error instanceof OpsError ? error : mapped(error);
    }
    return Buffer.concat(chunks).toString('utf8');
  };
  return {
    status: answer.statusCode,
    ok: answer.statusCode >= 200 && answer.statusCode < 300,
    headers: answer.headers,
    finalUrl: url,
    firstHeaders,
    body: answer.body,
    text,
    json: async <T>() => {
      const raw = await text();
      try {
        return JSON.parse(raw) as T;
      } catch (cause) {
        throw new OpsError(`${url} did not answer JSON (HTTP ${answer.statusCode}): ${raw.slice(0, 200)}`, {
          cause,
        });
      }
    },
    dump: () => answer.body.dump().catch((error) => Promise.reject(mapped(error))),
  };
}

let shared: HttpClient | undefined;

/** The process's shared client (keep-alive pool for every origin); the download engine makes its own. */
export function httpClient(): HttpClient {
  shared ??= new HttpClient();
  return shared;
}

/** One request through the shared client. */
export function httpRequest(url: string | URL, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  return httpClient().request(url, options);
}

export type { HttpStream, HttpStreamRequest };
export { HttpError };
