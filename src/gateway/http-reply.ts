import type { ServerResponse } from 'node:http';
import { anthropicErrorBody, anthropicErrorStatus } from './anthropic/errors.js';
import { type GatewayError, toGatewayError } from './gateway-error.js';
import { openaiErrorBody, openaiErrorStatus } from './openai/errors.js';
import type { ApiKind } from './types.js';

/** Sends a JSON answer with an exact content-length (keeps client keep-alive connections reusable). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendRaw(res, status, JSON.stringify(body), headers);
}

/** Sends already-serialised JSON. */
export function sendRaw(
  res: ServerResponse,
  status: number,
  json: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

/** Answers an error in the shape of the API the request came in on; returns the status sent. */
export function sendError(res: ServerResponse, api: ApiKind, error: unknown): number {
  const e: GatewayError = toGatewayError(error);
  const status = api === 'anthropic' ? anthropicErrorStatus(e) : openaiErrorStatus(e);
  const headers: Record<string, string> = {};
  if (e.retryAfterS !== undefined) headers['retry-after'] = String(e.retryAfterS);
  // A body that was refused for size has not been read; close so the rest of it is not parsed as a request.
  if (e.kind === 'request_too_large') headers.connection = 'close';
  sendJson(res, status, api === 'anthropic' ? anthropicErrorBody(e) : openaiErrorBody(e), headers);
  return status;
}

/** Starts a server-sent event stream. */
export function startEventStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Small SSE frames must leave at once, not wait for Nagle's algorithm.
  res.socket?.setNoDelay(true);
}
