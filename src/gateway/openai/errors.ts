import type { GatewayError, GatewayErrorKind } from '../gateway-error.js';

/** OpenAI error types and statuses (platform.openai.com/docs/guides/error-codes). */
const OPENAI_ERRORS: Record<GatewayErrorKind, { type: string; code: string; status: number }> = {
  invalid_request: { type: 'invalid_request_error', code: 'invalid_request', status: 400 },
  authentication: { type: 'invalid_request_error', code: 'invalid_api_key', status: 401 },
  not_found: { type: 'invalid_request_error', code: 'model_not_found', status: 404 },
  request_too_large: { type: 'invalid_request_error', code: 'request_too_large', status: 413 },
  rate_limit: { type: 'rate_limit_error', code: 'rate_limit_exceeded', status: 429 },
  // OpenAI has no 529: an overloaded gateway answers 429 with retry-after, which every OpenAI client retries.
  overloaded: { type: 'rate_limit_error', code: 'overloaded', status: 429 },
  upstream: { type: 'server_error', code: 'upstream_error', status: 502 },
  timeout: { type: 'server_error', code: 'timeout', status: 504 },
  internal: { type: 'server_error', code: 'internal_error', status: 500 },
};

/** The OpenAI error body: `{"error":{"message","type","code"}}`. */
export function openaiErrorBody(error: GatewayError): {
  error: { message: string; type: string; code: string; param: null };
} {
  const spec = OPENAI_ERRORS[error.kind];
  return { error: { message: error.message, type: spec.type, code: spec.code, param: null } };
}

/** HTTP status for an error answered on the OpenAI API. */
export function openaiErrorStatus(error: GatewayError): number {
  if (error.status !== undefined && error.kind !== 'overloaded') return error.status;
  return OPENAI_ERRORS[error.kind].status;
}
