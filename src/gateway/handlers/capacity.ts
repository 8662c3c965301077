import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CapacityEvent } from '../capacity/capacity-service.js';
import type { GatewayContext } from '../gateway-context.js';
import { GatewayError } from '../gateway-error.js';
import { sendError, sendJson, startEventStream } from '../http-reply.js';
import { parseJsonBody, readRequestBody } from '../read-body.js';

/** The capacity API's paths (docs/capacity-api.openapi.yaml). */
export const CAPACITY_PATH = '/ops/v1/capacity';
export const CAPACITY_EVENTS_PATH = '/ops/v1/capacity/events';
export const LEASES_PATH = '/ops/v1/leases';

/** Comment lines keep the event stream alive through proxies while nothing changes. */
const KEEPALIVE_MS = 15_000;
const MAX_UNREAD_BYTES = 1024 * 1024;

/** `GET /ops/v1/capacity`: every model's slots, queue, leases, KV headroom, speed, wait, context and quality. */
export async function handleCapacity(
  gw: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    gw.auth.check(req.headers);
    await gw.capacity.refreshKv();
    sendJson(res, 200, {
      at: new Date().toISOString(),
      models: gw.capacity.snapshot(),
      leases: gw.capacity.leases(),
    });
  } catch (error) {
    gw.logInternal('the capacity API', error);
    sendError(res, 'openai', error);
  }
}

/**
 * `GET /ops/v1/capacity/events`: server-sent events. A `capacity` event per model at once, then one whenever a
 * model's slots, queue or leases change; a `lease` event when a lease is granted, released or expires.
 */
export function handleCapacityEvents(gw: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  try {
    gw.auth.check(req.headers);
  } catch (error) {
    gw.logInternal('the capacity API', error);
    sendError(res, 'openai', error);
    return;
  }
  startEventStream(res);
  // A client that stops reading is dropped once this much waits for it, rather than buffered without end.
  const write = (text: string) => {
    if (res.writableEnded || res.destroyed) return;
    if (!res.write(text) && res.writableLength > MAX_UNREAD_BYTES) res.destroy();
  };
  const send = (event: CapacityEvent) => {
    const data = event.kind === 'capacity' ? event.capacity : { action: event.action, lease: event.lease };
    write(`event: ${event.kind}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  for (const capacity of gw.capacity.snapshot()) send({ kind: 'capacity', capacity });
  const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
  const unsubscribe = gw.capacity.subscribe(send, () => {
    // The gateway is shutting down.
    clearInterval(keepalive);
    res.end();
  });
  res.on('close', () => {
    clearInterval(keepalive);
    unsubscribe();
  });
}

const leaseRequestSchema = z.strictObject({
  model: z.string().min(1).max(256),
  slots: z.number().int().min(1).max(1024),
  ttl_s: z.number().int().min(1),
});

/** `POST /ops/v1/leases`: reserves slots of a model; 201 with the lease, 409 or 429 with why not. */
export async function handleCreateLease(
  gw: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    gw.auth.check(req.headers);
    const parsed = leaseRequestSchema.safeParse(parseJsonBody(await readRequestBody(req, 64 * 1024)));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      throw new GatewayError('invalid_request', `invalid lease request: ${problems.join('; ')}`);
    }
    const { model, slots, ttl_s } = parsed.data;
    const upstream = gw.pool.get(gw.router.route({ model }).upstream);
    const grant = gw.capacity.grant(upstream, slots, ttl_s);
    if (!grant.granted) {
      throw grant.status === 429
        ? new GatewayError('rate_limit', grant.message, { retryAfterS: grant.retryAfterS })
        : new GatewayError('invalid_request', grant.message, { status: 409 });
    }
    const lease = gw.capacity.leases().find((l) => l.id === grant.lease.id)!;
    sendJson(res, 201, { ...lease, header: { name: 'x-ops-lease', value: lease.id } });
  } catch (error) {
    gw.logInternal('the capacity API', error);
    sendError(res, 'openai', error);
  }
}

/** `GET /ops/v1/leases`: the leases in force. */
export function handleListLeases(gw: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  try {
    gw.auth.check(req.headers);
    sendJson(res, 200, { leases: gw.capacity.leases() });
  } catch (error) {
    gw.logInternal('the capacity API', error);
    sendError(res, 'openai', error);
  }
}

/** `DELETE /ops/v1/leases/{id}`: ends a lease now; 204, or 404 when none such is in force. */
export function handleDeleteLease(
  gw: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
): void {
  try {
    gw.auth.check(req.headers);
    if (!gw.capacity.release(safeDecode(id)))
      throw new GatewayError('not_found', `capacity lease ${id.slice(0, 80)} is unknown or has ended`);
    res.writeHead(204).end();
  } catch (error) {
    gw.logInternal('the capacity API', error);
    sendError(res, 'openai', error);
  }
}

function safeDecode(id: string): string {
  try {
    return decodeURIComponent(id);
  } catch {
    throw new GatewayError('invalid_request', 'lease id is not valid percent-encoding');
  }
}
