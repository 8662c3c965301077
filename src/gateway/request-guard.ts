import type { IncomingMessage } from 'node:http';
import type { ApiKeyCheck } from './auth.js';
import { GatewayError } from './gateway-error.js';
import { clip } from './shape-check.js';
import { isLoopbackHost } from './upstreams-from-plan.js';

/**
 * What makes loopback a boundary. Without API keys the gateway trusts whoever reaches it, and a web page
 * the user opens can reach `127.0.0.1`: a cross-site `text/plain` POST needs no CORS preflight, and DNS
 * rebinding lets a page read the answers under its own host name. So without keys a request must name a
 * loopback `Host`, carry no foreign `Origin`, and POST `application/json` (which a page cannot send
 * cross-site without a preflight the gateway never grants). With keys every API route asks for one;
 * `/health` and `/metrics` do too, except from a loopback peer — the monitoring and the agent on this host
 * (the gateway container shares the host's network, so their address is loopback).
 */
export function guardRequest(req: IncomingMessage, path: string, auth: ApiKeyCheck): void {
  if (auth.enabled) {
    if ((path === '/health' || path === '/metrics') && !isLoopbackPeer(req)) auth.check(req.headers);
    return;
  }
  const host = req.headers.host;
  if (host !== undefined && !isLoopbackHost(hostName(host))) {
    throw forbidden(
      `Host ${JSON.stringify(clip(host, 100))} is not a loopback name; without API keys this gateway answers only requests to localhost or 127.0.0.1`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    throw forbidden(
      `Origin ${JSON.stringify(clip(origin, 100))} may not call this gateway: without API keys only local clients may`,
    );
  }
  if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new GatewayError(
        'invalid_request',
        `content-type must be application/json, got ${JSON.stringify(clip(type, 60)) || 'none'}`,
        { status: 415 },
      );
    }
  }
}

/** `localhost:8080` → `localhost`, `[::1]:8080` → `::1`. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d*$/, '');
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname);
  } catch {
    // `Origin: null` (sandboxed frames, file:// pages) and anything unreadable is foreign.
    return false;
  }
}

function isLoopbackPeer(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return isLoopbackHost(a.replace(/^::ffff:/, ''));
}

function forbidden(message: string): GatewayError {
  return new GatewayError('authentication', message, { status: 403 });
}
