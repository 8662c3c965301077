import type { IncomingMessage, ServerResponse } from 'node:http';
import { chatCompletionToMessage } from '../anthropic/from-openai.js';
import { AnthropicStreamTranslator } from '../anthropic/stream-translator.js';
import { messagesToChatRequest, parseMessagesRequest } from '../anthropic/to-openai.js';
import { readChatStream } from '../chat-stream-reader.js';
import { forUpstream } from '../constrained-tool-calls.js';
import { slotContextTokens } from '../context-limits.js';
import {
  abortOnClientGone,
  type CountedCompaction,
  fitOrCompact,
  type GatewayContext,
  isPromptTooLong,
} from '../gateway-context.js';
import { GatewayError, toGatewayError } from '../gateway-error.js';
import { sendError, sendJson, startEventStream } from '../http-reply.js';
import type { Target } from '../hybrid/decide-target.js';
import { isUnreachable } from '../hybrid/hybrid-router.js';
import { profileTask } from '../hybrid/task-profile.js';
import type { ChatCompletion } from '../openai/types.js';
import { parseJsonBody, readRequestBody } from '../read-body.js';
import { ResponseCache } from '../response-cache.js';
import { sessionKey } from '../slot-affinity.js';
import { estimatePromptTokens, type TokenCount } from '../token-counter.js';
import { upstreamFailure } from '../upstream-errors.js';
import { readText } from '../upstream-pool.js';
import { priorityHeader } from './chat-completions.js';
import { forwardMessagesToCloud } from './cloud-messages.js';

/** `POST /v1/messages`: Anthropic Messages API, translated to and from the upstream's chat completions. */
export async function handleMessages(
  gw: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const startedAt = Date.now();
  const controller = abortOnClientGone(res);
  let upstreamName = 'none';
  let model = '';
  let stream = false;
  let release: (() => void) | undefined;
  let translator: AnthropicStreamTranslator | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  try {
    gw.auth.check(req.headers);
    const request = parseMessagesRequest(parseJsonBody(await readRequestBody(req, gw.maxBodyBytes)));
    model = request.model;
    stream = request.stream === true;
    const route = gw.router.route({ model, ...priorityHeader(req), session: sessionKey(request) });
    const upstream = gw.pool.get(route.upstream);
    upstreamName = upstream.name;
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
      ({ count, compaction } = await fitOrCompact(gw, upstream, chat, request.max_tokens, controller.signal));
    } catch (error) {
      if (!hybrid || !isPromptTooLong(error)) throw error;
      // Too long for this slot; whether it fits any other local context decides cloud or the error.
      tooLong = error;
      const overSlot = slotContextTokens(upstream.descriptor) + 1;
      count = { tokens: Math.max(estimatePromptTokens(chat).tokens, overSlot), source: 'estimate' };
    }
    const tryCloud = async (decision: Target): Promise<boolean> => {
      const outcome = await forwardMessagesToCloud(
        gw,
        hybrid!,
        req,
        res,
        request,
        startedAt,
        controller.signal,
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
    /** The local answer, or undefined when local proved down and the cloud answered instead. */
    const postLocal = async (body: string): Promise<IncomingMessage | undefined> => {
      let upstreamRes: IncomingMessage;
      try {
        upstreamRes = await upstream.post('/chat/completions', body, controller.signal);
      } catch (error) {
        if (!hybrid || controller.signal.aborted || res.headersSent || !isUnreachable(error)) throw error;
        hybrid.markDown(upstream.name);
        release?.();
        if (await tryCloud({ target: 'cloud', reason: 'local-down' })) return undefined;
        throw error;
      }
      // llama-server answers 503 while it loads a model: as good as down for the next few seconds.
      if (hybrid && upstreamRes.statusCode === 503 && !res.headersSent) {
        hybrid.markDown(upstream.name);
        release?.();
        if (await tryCloud({ target: 'cloud', reason: 'local-down' })) {
          upstreamRes.resume();
          return undefined;
        }
      }
      return upstreamRes;
    };
    // What the engine gets: the same request, or for a constrained llama.cpp entry its tools as a grammar.
    const wire = forUpstream(upstream.descriptor, chat);
    const upstreamBody = JSON.stringify(wire);
    /**
     * Once admitted: on llama.cpp, the session's slot (`id_slot`) so the engine reuses its prompt cache;
     * the slot is freed with the admission lease.
     */
    const admitted = (lease: { release: () => void }): string => {
      const slot =
        gw.slotAffinity && upstream.descriptor.engine === 'llama.cpp'
          ? upstream.slots.acquire(sessionKey(request))
          : undefined;
      let released = false;
      release = () => {
        if (released) return;
        released = true;
        lease.release();
        if (slot !== undefined) upstream.slots.release(slot);
      };
      return slot === undefined ? upstreamBody : JSON.stringify({ ...wire, id_slot: slot });
    };
    const base = {
      api: 'anthropic' as const,
      model,
      upstream: upstream.name,
      route: upstream.descriptor.location ?? 'local',
      stream,
      routeReason: decision?.reason ?? 'local-only',
      ...(decision?.rule ? { routeRule: decision.rule } : {}),
      ...(compaction ? { compactedTokens: compaction.tokensBefore - compaction.tokensAfter } : {}),
    };

    if (!stream) {
      const cacheKey =
        gw.cache && ResponseCache.cacheable(chat)
          ? ResponseCache.key(upstream.name, upstreamBody)
          : undefined;
      let text = cacheKey ? gw.cache!.get(cacheKey) : undefined;
      if (cacheKey) gw.metrics.observeCache(text !== undefined);
      const cached = text !== undefined;
      if (text === undefined) {
        const lease = await upstream.queue.acquire(route.priority, controller.signal, undefined, leaseId);
        const body = admitted(lease);
        gw.metrics.observeQueueWait(upstream.name, route.priority, lease.waitedMs);
        const upstreamRes = await postLocal(body);
        if (!upstreamRes) return;
        text = await readText(upstreamRes);
        if (upstreamRes.statusCode !== 200) {
          throw upstreamFailure(
            upstream.name,
            upstreamRes.statusCode ?? 502,
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
      const message = chatCompletionToMessage(completion, model, count.tokens, {
        tools: chat.tools,
        signer: gw.thinking,
      });
      if (cacheKey && !cached) gw.cache!.set(cacheKey, text);
      sendJson(res, 200, message, cached ? { 'x-ops-cache': 'hit' } : {});
      const latencyMs = Date.now() - startedAt;
      gw.recordUsage({
        ...base,
        inputTokens: message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0),
        cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
        outputTokens: message.usage.output_tokens,
        latencyMs,
        ttftMs: latencyMs,
        status: 200,
        cached,
      });
      return;
    }

    const t = new AnthropicStreamTranslator((frame) => res.write(frame), model, count.tokens, {
      ...(chat.tools ? { tools: chat.tools } : {}),
      signer: gw.thinking,
      pingIntervalMs: gw.pingIntervalMs,
    });
    translator = t;
    const commit = () => {
      if (res.headersSent) return;
      startEventStream(res);
      t.start();
    };
    const lease = await upstream.queue.acquire(
      route.priority,
      controller.signal,
      () => {
        // Waiting for a slot: open the stream now and keep it alive with pings, so clients and proxies
        // do not time out a request that is merely queued.
        commit();
        t.ping();
        pingTimer = setInterval(() => t.ping(), gw.pingIntervalMs);
      },
      leaseId,
    );
    const body = admitted(lease);
    gw.metrics.observeQueueWait(upstream.name, route.priority, lease.waitedMs);
    const upstreamRes = await postLocal(body);
    clearInterval(pingTimer);
    if (!upstreamRes) return;
    if (upstreamRes.statusCode !== 200) {
      throw upstreamFailure(
        upstream.name,
        upstreamRes.statusCode ?? 502,
        await readText(upstreamRes),
        upstreamRes.headers['retry-after'] as string,
      );
    }
    commit();
    let done = false;
    let failure: string | undefined;
    try {
      for await (const event of readChatStream(upstreamRes)) {
        if (event.kind === 'done') {
          done = true;
          continue;
        }
        failure = event.kind === 'error' ? event.message : t.chunk(event.chunk);
        if (failure) break;
      }
    } catch (error) {
      if (controller.signal.aborted) throw error;
      // A timeout says what timed out; anything else is a lost connection.
      failure = error instanceof GatewayError ? error.message : `upstream ${upstream.name} connection lost`;
    }
    if (!failure && !done && !t.hasFinishReason)
      failure = `upstream ${upstream.name} closed the stream before it finished`;
    const ttftMs = t.firstTokenAt === undefined ? null : t.firstTokenAt - startedAt;
    if (failure) {
      t.fail(new GatewayError('upstream', failure));
      res.end();
      upstreamRes.destroy();
      const usage = t.usageSoFar();
      gw.recordUsage({
        ...base,
        inputTokens: usage.input_tokens + (usage.cache_read_input_tokens ?? 0),
        cacheReadTokens: usage.cache_read_input_tokens ?? 0,
        outputTokens: usage.output_tokens,
        latencyMs: Date.now() - startedAt,
        ttftMs,
        status: 502,
        cached: false,
      });
      return;
    }
    const usage = t.finish();
    res.end();
    gw.recordUsage({
      ...base,
      inputTokens: usage.input_tokens + (usage.cache_read_input_tokens ?? 0),
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      outputTokens: usage.output_tokens,
      latencyMs: Date.now() - startedAt,
      ttftMs,
      status: 200,
      cached: false,
    });
  } catch (error) {
    if (!controller.signal.aborted) gw.logInternal('POST /v1/messages', error);
    let status = 499;
    if (!controller.signal.aborted) {
      if (res.headersSent && translator) {
        // The stream has begun: the failure is told in-band, as Anthropic's API does.
        translator.fail(toGatewayError(error));
        status = 502;
      } else status = sendError(res, 'anthropic', toGatewayError(error));
    }
    if (res.headersSent && !res.writableEnded) res.end();
    gw.recordFailure('anthropic', model, upstreamName, status, stream, startedAt);
  } finally {
    clearInterval(pingTimer);
    release?.();
  }
}
