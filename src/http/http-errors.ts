import { OpsError } from '../core/errors.js';
import { isTransient } from './retry-policy.js';

/** What went wrong with an HTTP exchange before a status came back, in words a user can act on. */
export type HttpFailureKind =
  | 'refused'
  | 'unresolved'
  | 'unreachable'
  | 'reset'
  | 'connect-timeout'
  | 'headers-timeout'
  | 'body-timeout'
  | 'timeout'
  | 'aborted'
  | 'tls'
  | 'other';

/**
 * An HTTP request that got no usable answer: the one error the HTTP layer throws. `kind` says what happened,
 * `code` keeps the socket's or undici's code (so the retry policy reads it), `cause` the original error. A
 * status answer is not an error here: callers read `status` and say what it means for them.
 */
export class HttpError extends OpsError {
  readonly url: string;
  readonly kind: HttpFailureKind;
  readonly code: string | undefined;
  /** True when trying again may help (see retry-policy.ts). */
  readonly transient: boolean;
  private readonly detail: string;

  constructor(
    url: string,
    kind: HttpFailureKind,
    detail: string,
    options: { code?: string; cause?: unknown; hint?: string } = {},
  ) {
    super(`${describeUrl(url)}: ${detail}`, { hint: options.hint ?? HINTS[kind], cause: options.cause });
    this.name = 'HttpError';
    this.detail = detail;
    this.url = url;
    this.kind = kind;
    this.code = options.code;
    this.transient = kind !== 'aborted' && kind !== 'tls' && isTransient({ code: options.code });
  }

  /** The same failure with the hint a caller knows better (which setting names this host, say). */
  withHint(hint: string): HttpError {
    return new HttpError(this.url, this.kind, this.detail, { code: this.code, cause: this.cause, hint });
  }
}

const HINTS: Record<HttpFailureKind, string | undefined> = {
  refused: 'nothing listens there: is the service running (ops status), and is the port right?',
  unresolved: 'the host name does not resolve: check the URL (or HF_ENDPOINT) and /etc/hosts',
  unreachable: 'no route to the host: check the network, or use a host this machine reaches',
  reset: 'the server dropped the connection; try again, and see its log if it repeats',
  'connect-timeout':
    'the host did not accept a connection in time: is it up, and does a firewall drop packets?',
  'headers-timeout': 'the server accepted the request but did not start answering in time',
  'body-timeout': 'the server stopped sending mid-answer',
  timeout: 'no complete answer in time; try again, or give it longer',
  aborted: undefined,
  tls: 'the TLS handshake failed: check the certificate (NODE_EXTRA_CA_CERTS for a private CA)',
  other: undefined,
};

const KIND_BY_CODE: Record<string, HttpFailureKind> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'unresolved',
  EAI_AGAIN: 'unresolved',
  ENETUNREACH: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  ERR_STREAM_PREMATURE_CLOSE: 'reset',
  UND_ERR_CONNECT_TIMEOUT: 'connect-timeout',
  ETIMEDOUT: 'connect-timeout',
  UND_ERR_HEADERS_TIMEOUT: 'headers-timeout',
  UND_ERR_BODY_TIMEOUT: 'body-timeout',
  UND_ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted',
};

/**
 * Maps whatever undici or the socket threw into one HttpError (the only place that reads their codes). A
 * connection to `localhost` tries each address and fails with an AggregateError: its first error's code counts.
 */
export function toHttpError(url: string, error: unknown, timedOutAfterMs?: number): HttpError {
  if (error instanceof HttpError) return error;
  if (timedOutAfterMs !== undefined)
    return new HttpError(url, 'timeout', `no answer within ${timedOutAfterMs} ms`, {
      code: 'ETIMEDOUT',
      cause: error,
    });
  const code = errorCode(error);
  const name = (error as { name?: string } | undefined)?.name;
  const kind: HttpFailureKind =
    (code && KIND_BY_CODE[code]) ||
    (name === 'AbortError'
      ? 'aborted'
      : code?.startsWith('ERR_TLS') || code?.includes('CERT')
        ? 'tls'
        : 'other');
  const message = (error as Error | undefined)?.message || code || String(error);
  return new HttpError(url, kind, kind === 'aborted' ? 'request aborted' : message, { code, cause: error });
}

function errorCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { code, errors, cause } = error as { code?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0]);
  return cause ? errorCode(cause) : undefined;
}

/** A URL without credentials or query (signed CDN URLs carry tokens) for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}
