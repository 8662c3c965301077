import type { HttpError } from '../http/http-errors.js';
import { clampRetryAfterS, GatewayError } from './gateway-error.js';
import type { GatewayTimeouts } from './timeouts.js';

/**
 * An upstream's non-2xx answer → a GatewayError. llama.cpp reports a prompt over its slot as
 * `exceed_context_size_error` with `n_prompt_tokens` and `n_ctx` (tools/server/server.cpp); that becomes
 * Anthropic's own wording so Claude Code compacts the conversation instead of failing.
 */
export function upstreamFailure(
  upstream: string,
  status: number,
  bodyText: string,
  retryAfter?: string,
): GatewayError {
  let message = bodyText.slice(0, 500);
  let parsed:
    | { error?: { message?: string; type?: string; n_prompt_tokens?: number; n_ctx?: number } | string }
    | undefined;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    // Not JSON: the raw text (truncated) is the message.
  }
  const err = parsed?.error;
  if (typeof err === 'string') message = err;
  else if (err?.message) message = err.message;
  if (
    typeof err === 'object' &&
    err?.type === 'exceed_context_size_error' &&
    err.n_prompt_tokens &&
    err.n_ctx
  ) {
    return new GatewayError(
      'invalid_request',
      `prompt is too long: ${err.n_prompt_tokens} tokens > ${err.n_ctx} maximum`,
    );
  }
  const text = `upstream ${upstream} answered ${status}: ${message}`;
  if (status === 400 || status === 422) return new GatewayError('invalid_request', text, { status: 400 });
  if (status === 404) return new GatewayError('not_found', text);
  if (status === 413) return new GatewayError('request_too_large', text);
  if (status === 429) {
    return new GatewayError('rate_limit', text, { retryAfterS: clampRetryAfterS(Number(retryAfter) || 5) });
  }
  // llama-server answers 503 while it loads the model: a short wait and a retry is the right reaction.
  if (status === 503)
    return new GatewayError('overloaded', text, { retryAfterS: clampRetryAfterS(Number(retryAfter) || 5) });
  return new GatewayError('upstream', text, { status: 502 });
}

/**
 * An engine that could not be reached or went silent → a GatewayError. A timed-out upstream is an overload to
 * the client (Anthropic's `overloaded_error`, retried by Claude Code) when nothing was sent yet; a stream under
 * way reports it in-band. Any other failure keeps the HTTP layer's error as its cause (the hybrid policy reads
 * it: `isUnreachable`). `midBody`: the answer had begun, so the connection was lost rather than refused.
 */
export function upstreamTransportFailure(
  upstream: string,
  error: HttpError,
  timeouts: Pick<GatewayTimeouts, 'upstreamConnectMs' | 'upstreamFirstByteMs' | 'upstreamIdleMs'>,
  midBody = false,
): GatewayError {
  const overloaded = (what: string) =>
    new GatewayError('overloaded', `upstream ${upstream} ${what}`, { retryAfterS: 5, cause: error });
  if (error.kind === 'connect-timeout')
    return overloaded(`did not accept a connection within ${timeouts.upstreamConnectMs} ms`);
  if (error.kind === 'headers-timeout')
    return overloaded(`did not answer within ${timeouts.upstreamFirstByteMs} ms`);
  if (error.kind === 'body-timeout') return overloaded(`sent nothing for ${timeouts.upstreamIdleMs} ms`);
  const what = midBody ? 'connection lost' : `failed: ${error.code ?? error.message}`;
  return new GatewayError('upstream', `upstream ${upstream} ${what}`, { cause: error });
}
