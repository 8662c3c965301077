import type { IncomingMessage, ServerResponse } from 'node:http';
import { chatCompletionToMessage } from '../anthropic/from-openai.js';
import { AnthropicStreamTranslator } from '../anthropic/stream-translator.js';
import { messagesToChatRequest, parseMessagesRequest } from '../anthropic/to-openai.js';
import { readChatStream } from '../chat-stream-reader.js';
import { forUpstream } from '../constrained-tool-calls.js';
import { slotContextTokens } from '../context-limits.js';
import {
  type CountedCompaction,
  fitOrCompact,
  type GatewayContext,
  isPromptTooLong,
} from '../gateway-context.js';
import { GatewayError } from '../gateway-error.js';
import { GatewayRequest } from '../gateway-request.js';
import { sendJson, startEventStream } from '../http-reply.js';
import type { Target } from '../hybrid/decide-target.js';
import { isUnreachable } from '../hybrid/hybrid-router.js';
import { profileTask } from '../hybrid/task-profile.js';
import type { ChatCompletion, ChatCompletionRequest } from '../openai/types.js';
import { ResponseCache } from '../response-cache.js';
import { sessionKey } from '../slot-affinity.js';
import { estimatePromptTokens, type TokenCount } from '../token-counter.js';
import type { Priority, UsageRecord } from '../types.js';
import type { UpstreamAnswer } from '../upstream-answer.js';
import { upstreamFailure } from '../upstream-errors.js';
import type { Upstream } from '../upstream-pool.js';
import { priorityHeader } from './chat-completions.js';
import { forwardMessagesToCloud } from './cloud-messages.js';

/** What the local path of one Messages request works with, once it is parsed, routed, fitted and decided. */
interface LocalAnswer {
  r: GatewayRequest;
  chat: ChatCompletionRequest;
  /** What the engine gets: the request, or for a constrained llama.cpp entry its tools as a grammar. */
  wire: ChatCompletionRequest;
  /** The session's key (routing, slot affinity), hashed once. */
  session: string;
  upstream: Upstream;
  priority: Priority;
  leaseId: string | undefined;
  count: TokenCount;
  /** Fields every usage record of this request carries. */
  base: Omit<
    UsageRecord,
    | 'at'
    | 'api'
    | 'model'
    | 'inputTokens'
    | 'cacheReadTokens'
    | 'outputTokens'
    | 'latencyMs'
    | 'ttftMs'
    | 'status'
    | 'cached'
  >;
  /** Sends the request upstream; undefined when local proved down and the cloud answered instead. */
  post: (body: string) => Promise<UpstreamAnswer | undefined>;
}

/**
 * `POST /v1/messages`: Anthropic Messages API. Translate in (Messages → chat completion), send (to the cloud when
 * the hybrid policy says so, else to the routed local upstream, the cloud standing by if local proves down),
 * translate out (chat completion or its stream → Messages). The request's lifecycle is `GatewayRequest`'s.
 */
export async function handleMessages(
  gw: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const r = new GatewayRequest(gw, req, res, 'anthropic');
  await r.run('POST /v1/messages', async () => {
    const request = parseMessagesRequest(await r.readJson());
    r.model = request.model;
    r.stream = request.stream === true;
    const session = sessionKey(request);
    const route = gw.router.route({ model: r.model, ...priorityHeader(req), session });
    const upstream = gw.pool.get(route.upstream);
    r.upstreamName = upstream.name;
    // Checked before anything is sent: an ended lease is the scheduler's to know at once.
    const leaseId = gw.capacity.leaseFor(req, upstream.name);
    const chat = messagesToChatRequest(request, {
      upstreamModel: upstream.upstreamModel,
      vision: upstream.descriptor.vision === true,
      ...(gw.thinking ? { verifyThinking: gw.thinking.verify.bind(gw.thinking) } : {}),
    });
    const hybrid = gw.hybrid;
    let count: TokenCount;
    let tooLong: unknown;
    let compaction: CountedCompaction | undefined;
    try {
      ({ count, compaction } = await fitOrCompact(gw, upstream, chat, request.max_tokens, r.signal));
    } catch (error) {
      if (!hybrid || !isPromptTooLong(error)) throw error;
      // Too long for this slot; whether it fits any other local context decides cloud or the error.
      tooLong = error;
      const overSlot = slotContextTokens(upstream.descriptor) + 1;
      count = { tokens: Math.max(estimatePromptTokens(chat).tokens, overSlot), source: 'estimate' };
    }
    /** The cloud strategy: true when it answered; false when local should (cloud-first falling back). */
    const tryCloud = async (decision: Target): Promise<boolean> => {
      const outcome = await forwardMessagesToCloud(
        gw,
        hybrid!,
        req,
        res,
        request,
        r.startedAt,
        r.signal,
        decision,
      );
      if (outcome.answered) return true;
      // 'prompt is too long' lets Claude Code compact and go on locally; better than the cloud's failure.
      if (tooLong) throw tooLong;
      if (hybrid!.mode === 'local-first') throw outcome.error;
      return false;
    };
    const task = profileTask(request);
    let decision: Target | undefined = leaseId
      ? { target: 'local', reason: 'leased' }
      : hybrid?.decide(upstream, count.tokens, {
          ...task,
          localPassRate: gw.capacity.evalPassRate(upstream.name, task.kind),
        });
    if (hybrid && decision?.target === 'cloud' && (await tryCloud(decision))) return;
    // The cloud was chosen but could not take it (cloud-first falls back here): local, because the cloud is down.
    if (decision?.target === 'cloud')
      decision = { target: 'local', reason: 'cloud-down', ...(decision.rule ? { rule: decision.rule } : {}) };
    if (tooLong) throw tooLong;

    /** The local strategy's send, with the cloud standing by when the engine proves down. */
    const post = async (body: string): Promise<UpstreamAnswer | undefined> => {
      let upstreamRes: UpstreamAnswer;
      try {
        upstreamRes = await upstream.post('/chat/completions', body, r.signal);
      } catch (error) {
        if (!hybrid || r.signal.aborted || res.headersSent || !isUnreachable(error)) throw error;
        hybrid.markDown(upstream.name);
        r.release();
        if (await tryCloud({ target: 'cloud', reason: 'local-down' })) return undefined;
        throw error;
      }
      // llama-server answers 503 while it loads a model: as good as down for the next few seconds.
      if (hybrid && upstreamRes.status === 503 && !res.headersSent) {
        hybrid.markDown(upstream.name);
        r.release();
        if (await tryCloud({ target: 'cloud', reason: 'local-down' })) {
          upstreamRes.discard();
          return undefined;
        }
      }
      return upstreamRes;
    };
    const local: LocalAnswer = {
      r,
      chat,
      wire: forUpstream(upstream.descriptor, chat),
      session,
      upstream,
      priority: route.priority,
      leaseId,
      count,
      post,
      base: {
        upstream: upstream.name,
        route: upstream.descriptor.location ?? 'local',
        stream: r.stream,
        routeReason: decision?.reason ?? 'local-only',
        ...(decision?.rule ? { routeRule: decision.rule } : {}),
        ...(compaction ? { compactedTokens: compaction.tokensBefore - compaction.tokensAfter } : {}),
      },
    };
    await (r.stream ? streamLocally(local) : answerLocally(local));
  });
}

/** The engine's request body, on the session's slot when it has one. */
function wireBody(local: LocalAnswer, slot: number | undefined): string {
  return JSON.stringify(slot === undefined ? local.wire : { ...local.wire, id_slot: slot });
}

/** A complete answer: from the response cache, or the engine's chat completion translated into a Message. */
async function answerLocally(local: LocalAnswer): Promise<void> {
  const { r, upstream, chat } = local;
  const gw = r.gw;
  const cacheKey =
    gw.cache && ResponseCache.cacheable(chat)
      ? ResponseCache.key(upstream.name, wireBody(local, undefined))
      : undefined;
  let text = cacheKey ? gw.cache!.get(cacheKey) : undefined;
  if (cacheKey) gw.metrics.observeCache(text !== undefined);
  const cached = text !== undefined;
  if (text === undefined) {
    const { slot } = await r.admit(upstream, admitOptions(local));
    const upstreamRes = await local.post(wireBody(local, slot));
    if (!upstreamRes) return;
    text = await upstreamRes.text();
    if (upstreamRes.status !== 200) {
      throw upstreamFailure(
        upstream.name,
        upstreamRes.status,
        text,
        upstreamRes.headers['retry-after'] as string,
      );
    }
  }
  let completion: ChatCompletion;
  try {
    completion = JSON.parse(text) as ChatCompletion;
  } catch {
    throw new GatewayError('upstream', `upstream ${upstream.name} answered with invalid JSON`);
  }
  const message = chatCompletionToMessage(completion, r.model, local.count.tokens, {
    tools: chat.tools,
    signer: gw.thinking,
  });
  if (cacheKey && !cached) gw.cache!.set(cacheKey, text);
  sendJson(r.res, 200, message, cached ? { 'x-ops-cache': 'hit' } : {});
  const latencyMs = r.elapsedMs();
  r.record({
    ...local.base,
    inputTokens: message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0),
    cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
    outputTokens: message.usage.output_tokens,
    latencyMs,
    ttftMs: latencyMs,
    status: 200,
    cached,
  });
}

/** A streamed answer: the engine's chunks translated into Anthropic's events as they arrive. */
async function streamLocally(local: LocalAnswer): Promise<void> {
  const { r, upstream, chat } = local;
  const { gw, res } = r;
  const t = new AnthropicStreamTranslator((frame) => res.write(frame), r.model, local.count.tokens, {
    ...(chat.tools ? { tools: chat.tools } : {}),
    signer: gw.thinking,
    pingIntervalMs: gw.pingIntervalMs,
  });
  r.failInBand = (error) => t.fail(error);
  const commit = () => {
    if (res.headersSent) return;
    startEventStream(res);
    t.start();
  };
  let pingTimer: NodeJS.Timeout | undefined;
  let upstreamRes: UpstreamAnswer | undefined;
  try {
    const { slot } = await r.admit(upstream, {
      ...admitOptions(local),
      onQueued: () => {
        // Waiting for a slot: open the stream now and keep it alive with pings, so clients and proxies
        // do not time out a request that is merely queued.
        commit();
        t.ping();
        pingTimer = setInterval(() => t.ping(), gw.pingIntervalMs);
      },
    });
    upstreamRes = await local.post(wireBody(local, slot));
  } finally {
    clearInterval(pingTimer);
  }
  if (!upstreamRes) return;
  if (upstreamRes.status !== 200) {
    throw upstreamFailure(
      upstream.name,
      upstreamRes.status,
      await upstreamRes.text(),
      upstreamRes.headers['retry-after'] as string,
    );
  }
  commit();
  let done = false;
  let failure: string | undefined;
  try {
    for await (const event of readChatStream(upstreamRes.chunks())) {
      if (event.kind === 'done') {
        done = true;
        continue;
      }
      failure = event.kind === 'error' ? event.message : t.chunk(event.chunk);
      if (failure) break;
    }
  } catch (error) {
    if (r.signal.aborted) throw error;
    // A timeout says what timed out; anything else is a lost connection.
    failure = error instanceof GatewayError ? error.message : `upstream ${upstream.name} connection lost`;
  }
  if (!failure && !done && !t.hasFinishReason)
    failure = `upstream ${upstream.name} closed the stream before it finished`;
  const ttftMs = t.firstTokenAt === undefined ? null : t.firstTokenAt - r.startedAt;
  if (failure) {
    t.fail(new GatewayError('upstream', failure));
    res.end();
    upstreamRes.destroy();
  }
  const usage = failure ? t.usageSoFar() : t.finish();
  if (!failure) res.end();
  r.record({
    ...local.base,
    inputTokens: usage.input_tokens + (usage.cache_read_input_tokens ?? 0),
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    outputTokens: usage.output_tokens,
    latencyMs: r.elapsedMs(),
    ttftMs,
    status: failure ? 502 : 200,
    cached: false,
  });
}

function admitOptions(local: LocalAnswer) {
  return {
    priority: local.priority,
    session: local.session,
    ...(local.leaseId ? { leaseId: local.leaseId } : {}),
  };
}
