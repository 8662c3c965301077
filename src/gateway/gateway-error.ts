/**
 * What went wrong, independent of the API that answers: each API module maps a kind to its own status and
 * error type (Anthropic's `overloaded_error` is 529, OpenAI's equivalent is a 429).
 */
export type GatewayErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'not_found'
  | 'request_too_large'
  | 'rate_limit'
  | 'overloaded'
  | 'upstream'
  | 'timeout'
  | 'internal';

/** The one HTTP error of the gateway; thrown by handlers and rendered in the caller's API shape. */
export class GatewayError extends Error {
  readonly kind: GatewayErrorKind;
  /** Seconds the client should wait before retrying (sent as `retry-after`). */
  readonly retryAfterS: number | undefined;
  /** Status to use instead of the kind's default (e.g. an upstream's own 4xx). */
  readonly status: number | undefined;

  constructor(
    kind: GatewayErrorKind,
    message: string,
    options: { retryAfterS?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.kind = kind;
    this.retryAfterS = options.retryAfterS;
    this.status = options.status;
  }
}

/** Anything thrown in a handler becomes a GatewayError; unknown errors are internal and keep no detail. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal', 'internal gateway error', { cause: error });
}

/**
 * Seconds to wait after an overload. Claude Code gives up on a `retry-after` above 60 s (DESIGN.md §4),
 * so the value is clamped to 1..60.
 */
export function clampRetryAfterS(seconds: number): number {
  return Math.min(60, Math.max(1, Math.ceil(seconds)));
}
