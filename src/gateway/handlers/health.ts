import type { ServerResponse } from 'node:http';
import type { GatewayContext } from '../gateway-context.js';
import { sendJson } from '../http-reply.js';

/**
 * `GET /health`: each upstream probed (1 s timeout) with its queue state. 200 while at least one upstream
 * answers — the gateway can still serve — and 503 when none does.
 */
export async function handleHealth(gw: GatewayContext, res: ServerResponse): Promise<void> {
  const upstreams = await Promise.all(gw.pool.all().map((u) => u.health(1000)));
  const healthy = upstreams.filter((u) => u.healthy).length;
  const status = healthy === upstreams.length ? 'ok' : healthy > 0 ? 'degraded' : 'down';
  // What a model switch watches: which Plan is in force, what is held, and what still drains.
  const draining = gw.pool.drainingUpstreams().map((u) => ({
    name: u.name,
    active: u.queue.activeCount,
    queued: u.queue.queuedCount(),
  }));
  sendJson(res, healthy > 0 ? 200 : 503, {
    status,
    upstreams,
    draining,
    held: gw.pool.held(),
    ...(gw.plan ? { plan: gw.plan } : {}),
  });
}

/** `GET /metrics`: Prometheus text format. */
export async function handleMetrics(gw: GatewayContext, res: ServerResponse): Promise<void> {
  const text = await gw.metrics.registry.metrics();
  res.writeHead(200, {
    'content-type': gw.metrics.registry.contentType,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
