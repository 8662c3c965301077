import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertSafeBind } from './auth.js';
import { createGatewayContext, type GatewayContext, type GatewayOptions } from './gateway-context.js';
import { GatewayError } from './gateway-error.js';
import {
  CAPACITY_EVENTS_PATH,
  CAPACITY_PATH,
  handleCapacity,
  handleCapacityEvents,
  handleCreateLease,
  handleDeleteLease,
  handleListLeases,
  LEASES_PATH,
} from './handlers/capacity.js';
import { handleChatCompletions } from './handlers/chat-completions.js';
import { handleCountTokens } from './handlers/count-tokens.js';
import { handleHealth, handleMetrics } from './handlers/health.js';
import { handleMessages } from './handlers/messages.js';
import { handleModels } from './handlers/models.js';
import { sendError, sendJson } from './http-reply.js';
import { guardRequest } from './request-guard.js';
import { clip } from './shape-check.js';

export type { GatewayOptions } from './gateway-context.js';

/** A running (or ready to run) gateway. */
export interface Gateway {
  readonly server: http.Server;
  readonly context: GatewayContext;
  /** Starts listening; refuses a non-loopback host without API keys. Resolves with the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops accepting, ends idle keep-alive connections and the upstream pools. */
  close(): Promise<void>;
}

/** Builds a gateway on node:http (no framework: the gateway's own overhead is part of what it sells). */
export function createGateway(options: GatewayOptions): Gateway {
  const context = createGatewayContext(options);
  // A client that sends its headers or body slowly (or never) is cut, as is an idle keep-alive connection;
  // answers may stream for as long as they take.
  const server = http.createServer(
    {
      keepAliveTimeout: 65_000,
      headersTimeout: context.timeouts.headersMs,
      requestTimeout: context.timeouts.requestBodyMs,
      // node:http checks both only this often (default 30 s); short limits need a closer look.
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(context.timeouts.headersMs / 4))),
    },
    (req, res) => {
      dispatch(context, req, res).catch((error) => {
        context.logInternal(`${req.method} ${clip(req.url ?? '/')}`, error);
        if (!res.headersSent) sendError(res, 'openai', error);
        else res.destroy();
      });
    },
  );
  return {
    server,
    context,
    async listen(port, host = '127.0.0.1') {
      assertSafeBind(host, options.apiKeys ?? []);
      return new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        context.pool.close();
        context.hybrid?.close();
        context.capacity.close();
      });
    },
  };
}

/** Routes on method and path only: Claude Code appends `?beta=true` to `/v1/messages`. */
async function dispatch(gw: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';
  try {
    guardRequest(req, path, gw.auth);
  } catch (error) {
    req.resume();
    const api = path.startsWith('/v1/messages') || req.headers['anthropic-version'] ? 'anthropic' : 'openai';
    sendError(res, api, error);
    return;
  }
  if (method === 'POST') {
    if (path === '/v1/messages') return handleMessages(gw, req, res);
    if (path === '/v1/chat/completions') return handleChatCompletions(gw, req, res);
    if (path === '/v1/messages/count_tokens') return handleCountTokens(gw, req, res);
    if (path === LEASES_PATH) return handleCreateLease(gw, req, res);
  } else if (method === 'DELETE' && path.startsWith(`${LEASES_PATH}/`)) {
    return handleDeleteLease(gw, req, res, path.slice(LEASES_PATH.length + 1));
  } else if (method === 'GET' || method === 'HEAD') {
    // Claude Code probes `HEAD /` at start to see the server is there.
    if (path === '/') return sendJson(res, 200, { status: 'ok', service: 'ops gateway' });
    if (path === '/v1/models') return handleModels(gw, req, res);
    if (path === '/health') return handleHealth(gw, res);
    if (path === '/metrics') return handleMetrics(gw, res);
    if (path === CAPACITY_PATH) return handleCapacity(gw, req, res);
    if (path === CAPACITY_EVENTS_PATH) return handleCapacityEvents(gw, req, res);
    if (path === LEASES_PATH) return handleListLeases(gw, req, res);
  }
  req.resume();
  const api = path.startsWith('/v1/messages') || req.headers['anthropic-version'] ? 'anthropic' : 'openai';
  sendError(res, api, new GatewayError('not_found', `${method} ${path} is not served by this gateway`));
}
