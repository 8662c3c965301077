import type { IncomingMessage, ServerResponse } from 'node:http';
import { cachedPromptTokens, type EngineTimings, withCachedPromptTokens } from '../cached-prompt-tokens.js';
import { readChatStream } from '../chat-stream-reader.js';
import { fitToContext, type GatewayContext } from '../gateway-context.js';
import { GatewayError } from '../gateway-error.js';
import { GatewayRequest } from '../gateway-request.js';
import { sendRaw, startEventStream } from '../http-reply.js';
import { parseChatRequest } from '../openai/chat-shape.js';
import { openaiErrorBody } from '../openai/errors.js';
import type { ChatCompletionChunk, ChatUsage } from '../openai/types.js';
import { ResponseCache } from '../response-cache.js';
import { sessionKey } from '../slot-affinity.js';
import type { Priority } from '../types.js';
import { upstreamFailure } from '../upstream-errors.js';

/**
 * `POST /v1/chat/completions`: passthrough to the routed upstream with the model id rewritten, `max_tokens`
 * clamped to the slot, and streamed events forwarded as they arrive.
 */
export async function handleChatCompletions(
  gw: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const r = new GatewayRequest(gw, req, res, 'openai');
  await r.run('POST /v1/chat/completions', async () => {
    const body = parseChatRequest(await r.readJson());
    r.model = body.model;
    r.stream = body.stream === true;
    const route = gw.router.route({
      model: r.model,
      ...priorityHeader(req),
      session: sessionKey({ messages: body.messages }),
    });
    const upstream = gw.pool.get(route.upstream);
    r.upstreamName = upstream.name;
    // Checked before anything is answered, the cache included: an ended lease is the scheduler's to know at once.
    const leaseId = gw.capacity.leaseFor(req, upstream.name);
    body.model = upstream.upstreamModel;
    const requested = body.max_completion_tokens ?? body.max_tokens;
    const count = await fitToContext(
      gw,
      upstream,
      body,
      typeof requested === 'number' ? requested : undefined,
      r.signal,
    );

    // Usage comes only with include_usage; it is asked for always and the extra chunk hidden if the
    // client did not ask, so the usage record has real counts either way.
    const clientWantsUsage = body.stream_options?.include_usage === true;
    if (r.stream) body.stream_options = { ...body.stream_options, include_usage: true };
    const upstreamBody = JSON.stringify(body);
    const where = { upstream: upstream.name, route: upstream.descriptor.location ?? 'local' };

    const cacheKey =
      gw.cache && ResponseCache.cacheable(body) ? ResponseCache.key(upstream.name, upstreamBody) : undefined;
    if (cacheKey) {
      const hit = gw.cache!.get(cacheKey);
      gw.metrics.observeCache(hit !== undefined);
      if (hit !== undefined) {
        sendRaw(res, 200, hit, { 'x-ops-cache': 'hit' });
        const usage = usageOf(hit);
        r.record({
          ...where,
          ...tokenCounts(usage, count.tokens),
          latencyMs: r.elapsedMs(),
          ttftMs: r.elapsedMs(),
          status: 200,
          stream: false,
          cached: true,
        });
        return;
      }
    }

    await r.admit(upstream, { priority: route.priority, ...(leaseId ? { leaseId } : {}) });
    const upstreamRes = await upstream.post('/chat/completions', upstreamBody, r.signal);
    if (upstreamRes.status !== 200) {
      throw upstreamFailure(
        upstream.name,
        upstreamRes.status,
        await upstreamRes.text(),
        upstreamRes.headers['retry-after'] as string | undefined,
      );
    }

    const base = {
      ...where,
      stream: r.stream,
      cached: false,
      // Only Messages traffic has a hybrid decision; leased work is told apart here too.
      ...(leaseId ? { routeReason: 'leased' } : {}),
    };
    if (!r.stream) {
      const text = await upstreamRes.text();
      const ttftMs = r.elapsedMs();
      sendRaw(res, 200, text);
      if (cacheKey) gw.cache!.set(cacheKey, text);
      const usage = usageOf(text);
      r.record({
        ...base,
        ...tokenCounts(usage, count.tokens),
        latencyMs: r.elapsedMs(),
        ttftMs,
        status: 200,
      });
      return;
    }

    startEventStream(res);
    let usage: ChatUsage | undefined;
    let firstTokenAt: number | undefined;
    let done = false;
    let failure: string | undefined;
    try {
      for await (const event of readChatStream(upstreamRes.chunks())) {
        if (event.kind === 'done') {
          done = true;
          continue;
        }
        if (event.kind === 'error') {
          failure = event.message;
          break;
        }
        const { chunk } = event;
        if (chunk.usage) usage = withCachedPromptTokens(chunk.usage, chunk.timings);
        if (firstTokenAt === undefined && chunk.choices?.[0]?.delta && hasOutput(chunk))
          firstTokenAt = Date.now();
        // The usage-only chunk the gateway asked for is not the client's to see.
        if (!clientWantsUsage && chunk.usage && !chunk.choices?.length) continue;
        res.write(`data: ${event.raw}\n\n`);
      }
    } catch (error) {
      if (r.signal.aborted) throw error;
      // A timeout says what timed out; anything else is a lost connection.
      failure = error instanceof GatewayError ? error.message : `upstream ${upstream.name} connection lost`;
    }
    if (!done && !failure) failure = `upstream ${upstream.name} closed the stream before it finished`;
    if (failure) {
      // An error chunk is what OpenAI's own SDKs raise from; the stream then ends without [DONE].
      const error = new GatewayError('upstream', failure);
      res.end(`data: ${JSON.stringify(openaiErrorBody(error))}\n\n`);
      upstreamRes.destroy();
    } else res.end('data: [DONE]\n\n');
    r.record({
      ...base,
      ...tokenCounts(usage, count.tokens),
      latencyMs: r.elapsedMs(),
      ttftMs: firstTokenAt === undefined ? null : firstTokenAt - r.startedAt,
      status: failure ? 502 : 200,
    });
  });
}

function hasOutput(chunk: ChatCompletionChunk): boolean {
  const delta = chunk.choices?.[0]?.delta;
  return Boolean(delta?.content || delta?.tool_calls?.length || delta?.reasoning_content);
}

/** A usage record's token counts from the engine's usage; the gateway's own prompt count where it gave none. */
function tokenCounts(usage: ChatUsage | undefined, promptTokensCounted: number) {
  return {
    inputTokens: usage?.prompt_tokens ?? promptTokensCounted,
    cacheReadTokens: cachedPromptTokens(usage),
    outputTokens: usage?.completion_tokens ?? 0,
  };
}

function usageOf(text: string): ChatUsage | undefined {
  try {
    const body = JSON.parse(text) as { usage?: ChatUsage; timings?: EngineTimings };
    return withCachedPromptTokens(body.usage, body.timings);
  } catch {
    return undefined;
  }
}

/** Agents may mark their own work as background with `x-ops-priority: background`. */
export function priorityHeader(req: IncomingMessage): { priority?: Priority } {
  const h = req.headers['x-ops-priority'];
  return h === 'background' || h === 'interactive' ? { priority: h } : {};
}
