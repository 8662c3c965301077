import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { OpsError } from '../core/errors.js';
import { GatewayError } from './gateway-error.js';
import { isLoopbackHost } from './upstreams-from-plan.js';

/** API keys from `OPS_GATEWAY_API_KEYS` (comma-separated); empty when unset. */
export function apiKeysFromEnv(env: NodeJS.ProcessEnv): string[] {
  return (env.OPS_GATEWAY_API_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
}

/**
 * Refuses to listen beyond loopback without API keys: an open gateway on a network would hand anyone the
 * GPUs and whatever cloud keys the Plan routes to.
 */
export function assertSafeBind(host: string, apiKeys: readonly string[]): void {
  if (isLoopbackHost(host) || apiKeys.length > 0) return;
  throw new OpsError(`refusing to listen on ${host} without API keys`, {
    hint: 'set OPS_GATEWAY_API_KEYS=key1,key2 (clients send x-api-key or Authorization: Bearer), or bind 127.0.0.1',
    exitCode: 2,
  });
}

/** Checks `x-api-key` or `Authorization: Bearer` against the configured keys (compared by hash, in constant time). */
export class ApiKeyCheck {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Throws an authentication GatewayError unless the request carries a configured key. */
  check(headers: IncomingHttpHeaders): void {
    if (!this.enabled) return;
    const bearer = headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const header = headers['x-api-key'];
    const presented = (Array.isArray(header) ? header[0] : header) ?? bearer;
    if (!presented)
      throw new GatewayError('authentication', 'missing API key: send x-api-key or Authorization: Bearer');
    const d = digest(presented.trim());
    if (!this.digests.some((k) => timingSafeEqual(k, d)))
      throw new GatewayError('authentication', 'invalid API key');
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
