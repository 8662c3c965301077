import type { IncomingMessage, ServerResponse } from 'node:http';
import { messagesToChatRequest, parseMessagesRequest } from '../anthropic/to-openai.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendError, sendJson } from '../http-reply.js';
import { parseJsonBody, readRequestBody } from '../read-body.js';
import { countPromptTokens } from '../token-counter.js';

/**
 * `POST /v1/messages/count_tokens`: the prompt counted by the routed upstream's tokenizer, or estimated at
 * bytes/4 when it has none. The `x-ops-token-count` header says which (`tokenizer` or `estimate`).
 */
export async function handleCountTokens(
  gw: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    gw.auth.check(req.headers);
    const body = parseMessagesRequest(parseJsonBody(await readRequestBody(req, gw.maxBodyBytes)), {
      requireMaxTokens: false,
    });
    const upstream = gw.pool.get(gw.router.route({ model: body.model }).upstream);
    // count_tokens has no max_tokens; any value translates the same prompt.
    const chat = messagesToChatRequest(
      { ...body, max_tokens: 1, stream: false },
      {
        upstreamModel: upstream.upstreamModel,
        vision: upstream.descriptor.vision === true,
      },
    );
    const count = await countPromptTokens(upstream, chat);
    sendJson(res, 200, { input_tokens: count.tokens }, { 'x-ops-token-count': count.source });
  } catch (error) {
    gw.logInternal('POST /v1/messages/count_tokens', error);
    sendError(res, 'anthropic', error);
  }
}
