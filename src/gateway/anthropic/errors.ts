import type { GatewayError, GatewayErrorKind } from '../gateway-error.js';

/** Anthropic error types and their statuses (docs.anthropic.com/en/api/errors). */
const ANTHROPIC_ERRORS: Record<GatewayErrorKind, { type: string; status: number }> = {
  invalid_request: { type: 'invalid_request_error', status: 400 },
  authentication: { type: 'authentication_error', status: 401 },
  not_found: { type: 'not_found_error', status: 404 },
  request_too_large: { type: 'request_too_large', status: 413 },
  rate_limit: { type: 'rate_limit_error', status: 429 },
  upstream: { type: 'api_error', status: 500 },
  timeout: { type: 'api_error', status: 504 },
  internal: { type: 'api_error', status: 500 },
  overloaded: { type: 'overloaded_error', status: 529 },
};

/** The Anthropic error body: `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorBody(error: GatewayError): {
  type: 'error';
  error: { type: string; message: string };
} {
  return { type: 'error', error: { type: ANTHROPIC_ERRORS[error.kind].type, message: error.message } };
}

/** HTTP status for an error answered on the Anthropic API. */
export function anthropicErrorStatus(error: GatewayError): number {
  // An upstream's own client error (400, 404) is passed on; server-side failures keep Anthropic's statuses.
  if (error.status !== undefined && error.kind !== 'overloaded' && error.kind !== 'upstream')
    return error.status;
  return ANTHROPIC_ERRORS[error.kind].status;
}
