import type { IncomingMessage } from 'node:http';
import { GatewayError } from './gateway-error.js';

/**
 * Reads a request body up to `limitBytes`; a larger body is a `request_too_large` error (413) as soon as
 * it is known to be too large — from `content-length` before reading a byte, or while reading.
 */
export async function readRequestBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** Parses a JSON body; a syntax error is the client's (invalid_request_error), not the gateway's. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new GatewayError('invalid_request', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError(
    'request_too_large',
    `request body exceeds the gateway's limit of ${limitBytes} bytes`,
  );
}
