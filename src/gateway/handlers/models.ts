import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from '../gateway-context.js';
import { sendError, sendJson } from '../http-reply.js';

/** When the gateway's model list was built; the same for every entry, as the list does not change at runtime. */
const CREATED_S = Math.floor(Date.now() / 1000);

/**
 * `GET /v1/models`: every name the router accepts. One body serves both APIs: OpenAI reads
 * `object/data[].id/owned_by`, Anthropic reads `data[].id/type/display_name` and `has_more/first_id/last_id`.
 */
export function handleModels(gw: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  try {
    gw.auth.check(req.headers);
    const ids = gw.router.modelIds();
    const createdAt = new Date(CREATED_S * 1000).toISOString();
    const data = ids.map((id) => ({
      id,
      object: 'model',
      type: 'model',
      created: CREATED_S,
      created_at: createdAt,
      display_name: id,
      owned_by: gw.router.table.get(id) ?? 'ops',
    }));
    sendJson(res, 200, {
      object: 'list',
      data,
      has_more: false,
      first_id: ids[0] ?? null,
      last_id: ids.at(-1) ?? null,
    });
  } catch (error) {
    sendError(res, req.headers['anthropic-version'] ? 'anthropic' : 'openai', error);
  }
}
