import type { ServerResponse } from 'node:http';
import { ThinkingSigner } from './anthropic/thinking-signature.js';
import { ApiKeyCheck } from './auth.js';
import { type CapacityFacts, CapacityService } from './capacity/capacity-service.js';
import { type Compaction, compactConversation } from './compact-conversation.js';
import { decideMaxTokens, ESTIMATE_MARGIN, MIN_ANSWER_TOKENS, slotContextTokens } from './context-limits.js';
import { GatewayError, toGatewayError } from './gateway-error.js';
import { type CloudOptions, resolveCloudOptions } from './hybrid/hybrid-options.js';
import { HybridRouter } from './hybrid/hybrid-router.js';
import { GatewayMetrics } from './metrics.js';
import type { ClaudeTierRule } from './model-aliases.js';
import type { ChatCompletionRequest } from './openai/types.js';
import { ReplicaBalancer } from './replica-balancer.js';
import { ResponseCache, type ResponseCacheOptions } from './response-cache.js';
import { ModelRouter, type RoutePolicy } from './router.js';
import { clip } from './shape-check.js';
import { type GatewayTimeouts, resolveTimeouts } from './timeouts.js';
import { countPromptTokens, estimatePromptTokens, type TokenCount } from './token-counter.js';
import type { ApiKind, UpstreamDescriptor, UsageRecord, UsageSink } from './types.js';
import { type PoolChange, type Upstream, UpstreamPool } from './upstream-pool.js';

/** Everything a gateway is built from. Only `upstreams` is required. */
export interface GatewayOptions {
  upstreams: UpstreamDescriptor[];
  /** The Plan's `gateway.aliases`: alias → entry name. */
  aliases?: Record<string, string>;
  claudeTiers?: readonly ClaudeTierRule[];
  fallbackUpstream?: string;
  policies?: readonly RoutePolicy[];
  /** Requests that may wait per upstream when all its slots are busy (default 64). */
  maxQueuedPerUpstream?: number;
  /** Largest request body accepted (default 32 MiB: Claude Code sends images and long histories). */
  maxBodyBytes?: number;
  /** Keys clients must present; none means no check (only allowed on loopback). */
  apiKeys?: readonly string[];
  usageSink?: UsageSink;
  /** Interval of `ping` events to an Anthropic stream while it waits for a slot (default 5 s). */
  pingIntervalMs?: number;
  /** Response cache bounds, or false to disable it. */
  cache?: ResponseCacheOptions | false;
  /**
   * Share of a slot's context above which a prompt is counted by the upstream's tokenizer rather than
   * estimated (default 0.25): below it the estimate's margin costs nothing that matters.
   */
  exactCountAbove?: number;
  /** Hybrid cloud policy; absent means `local-only`. Only Anthropic `/v1/messages` traffic goes to the cloud. */
  cloud?: CloudOptions;
  /** Where the cloud API key is read from, once, at creation (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Whether a Messages conversation that outgrows its slot is compacted by the gateway (default true):
   * old tool results, then middle turns, elided with a marker the model can read.
   */
  compactConversations?: boolean;
  /**
   * Whether a reasoning model's reasoning is returned as signed thinking blocks (and passed back to the
   * engine when a client returns them); default true. Off, reasoning is dropped.
   */
  returnReasoning?: boolean;
  /**
   * Whether each conversation is kept on one llama.cpp slot (`id_slot`) so the engine's prompt cache is
   * reused turn after turn (default true).
   */
  slotAffinity?: boolean;
  /** Client and upstream timeouts; each missing one takes its default (`DEFAULT_TIMEOUTS`). */
  timeouts?: Partial<GatewayTimeouts>;
  /**
   * Per upstream, what the capacity API reports but the gateway cannot measure: quality (catalog or eval) and
   * `ops bench` speed. Absent: quality null, speed from the streams served.
   */
  capacityFacts?: Readonly<Record<string, CapacityFacts>> | (() => Readonly<Record<string, CapacityFacts>>);
  /** Where the gateway's own failures are told, one line each (default: stderr). Never prompt contents. */
  log?: (line: string) => void;
}

/** The built gateway's parts, shared by every handler. */
export interface GatewayContext {
  router: ModelRouter;
  pool: UpstreamPool;
  metrics: GatewayMetrics;
  auth: ApiKeyCheck;
  cache: ResponseCache | undefined;
  maxBodyBytes: number;
  pingIntervalMs: number;
  exactCountAbove: number;
  compactConversations: boolean;
  timeouts: GatewayTimeouts;
  slotAffinity: boolean;
  /** Signs and checks thinking blocks; undefined when reasoning is not returned. */
  thinking: ThinkingSigner | undefined;
  /** The cloud side of a hybrid policy; undefined when `local-only`. */
  hybrid: HybridRouter | undefined;
  /** Leases, measured speed and capacity events (`/ops/v1/capacity`, `/ops/v1/leases`). */
  capacity: CapacityService;
  /** The Plan the gateway routes by, when it was read from a file (`GET /health` shows it). */
  plan: LoadedPlanInfo | undefined;
  /**
   * Swaps upstreams and aliases at once (a reloaded Plan). Requests already routed finish on the upstream
   * they were routed to; new ones route by the new table. Returns what changed in the pool.
   */
  reload(update: { upstreams: UpstreamDescriptor[]; aliases?: Record<string, string> }): PoolChange;
  recordUsage(record: Omit<UsageRecord, 'at'>): void;
  /**
   * Logs an error that is the gateway's own fault (a bug, not the client's or the upstream's), with its
   * cause and stack: the client only sees "internal gateway error", so this line is where it can be found.
   */
  logInternal(where: string, error: unknown): void;
  /** Records a request that ended without an answer (refused, failed, or abandoned by the client). */
  recordFailure(
    api: ApiKind,
    model: string,
    upstream: string,
    status: number,
    stream: boolean,
    startedAt: number,
  ): void;
}

/** Which Plan text the gateway loaded, and the last reload problem (the previous Plan stays in force). */
export interface LoadedPlanInfo {
  sha256: string;
  loadedAt: string;
  error?: string;
}

/** Wires the gateway's parts from its options; checks them once. */
export function createGatewayContext(options: GatewayOptions): GatewayContext {
  if (options.upstreams.length === 0) throw new Error('a gateway needs at least one upstream');
  const maxQueued = options.maxQueuedPerUpstream ?? 64;
  const cloud = resolveCloudOptions(options.cloud, maxQueued, options.env ?? process.env);
  const timeouts = resolveTimeouts(options.timeouts);
  const pool = new UpstreamPool(options.upstreams, maxQueued, timeouts);
  // Draining upstreams stay in the metrics until their last request ends.
  const metrics = new GatewayMetrics(() =>
    [...pool.all(), ...pool.drainingUpstreams()].map((u) => u.snapshot()),
  );
  const sink = options.usageSink;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const locations = new Map(options.upstreams.map((u) => [u.name, u.location ?? 'local']));
  // Data-parallel copies: sessions stay on their copy, new ones go to the least busy (replica-balancer.ts).
  const balancer = new ReplicaBalancer((name) => {
    const u = pool.all().find((x) => x.name === name);
    return u
      ? { busy: u.queue.activeCount + u.queue.queuedCount(), slots: u.queue.slots }
      : { busy: Number.POSITIVE_INFINITY, slots: 1 };
  });
  const routerFor = (upstreams: UpstreamDescriptor[], aliases: Record<string, string> | undefined) =>
    new ModelRouter(upstreams, {
      pickReplica: (members, session) => balancer.pick(members, session),
      ...(aliases ? { gatewayAliases: aliases } : {}),
      ...(options.claudeTiers ? { claudeTiers: options.claudeTiers } : {}),
      ...(options.fallbackUpstream ? { fallbackUpstream: options.fallbackUpstream } : {}),
      ...(options.policies ? { policies: options.policies } : {}),
    });
  const context: GatewayContext = {
    router: routerFor(options.upstreams, options.aliases),
    pool,
    metrics,
    auth: new ApiKeyCheck(options.apiKeys ?? []),
    cache:
      options.cache === false
        ? undefined
        : new ResponseCache(
            options.cache ?? { maxEntries: 256, maxBytes: 64 * 1024 * 1024, ttlMs: 10 * 60_000 },
          ),
    maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024,
    pingIntervalMs: options.pingIntervalMs ?? 5000,
    exactCountAbove: options.exactCountAbove ?? 0.25,
    compactConversations: options.compactConversations ?? true,
    timeouts,
    slotAffinity: options.slotAffinity ?? true,
    thinking: options.returnReasoning === false ? undefined : new ThinkingSigner(),
    hybrid: cloud
      ? new HybridRouter(
          cloud,
          options.upstreams.filter((u) => (u.location ?? 'local') === 'local'),
        )
      : undefined,
    capacity: new CapacityService(() => context.pool, maxQueued, options.capacityFacts),
    plan: undefined,
    reload(update) {
      if (update.upstreams.length === 0) throw new Error('a gateway needs at least one upstream');
      // Build the new router first: if it throws, nothing has changed.
      const router = routerFor(update.upstreams, update.aliases);
      const change = pool.reload(update.upstreams);
      for (const u of update.upstreams) locations.set(u.name, u.location ?? 'local');
      context.router = router;
      context.capacity.afterReload();
      return change;
    },
    recordUsage(record) {
      // The model name is the client's choice: a 200 KB one must not reach the spool or the metrics labels.
      const full: UsageRecord = { at: new Date().toISOString(), ...record, model: clip(record.model) };
      metrics.observe(full);
      context.capacity.observe(full);
      if (sink) {
        try {
          sink(full);
        } catch {
          // A failing sink must not fail the request it records.
        }
      }
    },
    logInternal(where, error) {
      const e = toGatewayError(error);
      if (e.kind !== 'internal') return;
      const cause =
        e.cause instanceof Error ? (e.cause.stack ?? e.cause.message) : String(e.cause ?? e.message);
      log(`ops gateway: internal error in ${where}: ${cause}`);
    },
    recordFailure(api, model, upstream, status, stream, startedAt) {
      context.recordUsage({
        api,
        model,
        upstream,
        route: locations.get(upstream) ?? 'local',
        inputTokens: 0,
        outputTokens: 0,
        latencyMs: Date.now() - startedAt,
        ttftMs: null,
        status,
        stream,
        cached: false,
      });
    },
  };
  return context;
}

/**
 * Counts the prompt and clamps `max_tokens` in place to what the slot has left; throws the
 * `prompt is too long` invalid_request_error when the prompt alone does not fit.
 */
export async function fitToContext(
  gw: GatewayContext,
  upstream: Upstream,
  chat: ChatCompletionRequest,
  requestedMaxTokens: number | undefined,
  signal: AbortSignal,
): Promise<TokenCount> {
  const slot = slotContextTokens(upstream.descriptor);
  let count = estimatePromptTokens(chat);
  if (count.tokens >= slot * gw.exactCountAbove) count = await countPromptTokens(upstream, chat, signal);
  const decision = decideMaxTokens({
    promptTokens: count.tokens,
    source: count.source,
    requestedMaxTokens,
    slotContext: slot,
  });
  if (!decision.fits) throw new GatewayError('invalid_request', decision.message);
  if (requestedMaxTokens !== undefined) {
    if (chat.max_completion_tokens !== undefined) chat.max_completion_tokens = decision.maxTokens;
    else chat.max_tokens = decision.maxTokens;
  }
  return count;
}

/** A compaction as it is counted: how many (estimated) prompt tokens it took out. */
export interface CountedCompaction extends Compaction {
  tokensBefore: number;
  tokensAfter: number;
}

/**
 * `fitToContext`, and when the prompt does not fit (with room for an answer), the conversation compacted in
 * place (`compactConversation`) to leave a quarter of the slot for the answer, then fitted again; a prompt
 * that still does not fit is refused as before ("prompt is too long").
 */
export async function fitOrCompact(
  gw: GatewayContext,
  upstream: Upstream,
  chat: ChatCompletionRequest,
  requestedMaxTokens: number | undefined,
  signal: AbortSignal,
): Promise<{ count: TokenCount; compaction?: CountedCompaction }> {
  try {
    return { count: await fitToContext(gw, upstream, chat, requestedMaxTokens, signal) };
  } catch (error) {
    if (!gw.compactConversations || !isPromptTooLong(error)) throw error;
    const slot = slotContextTokens(upstream.descriptor);
    const reserve = Math.min(
      requestedMaxTokens ?? MIN_ANSWER_TOKENS,
      Math.max(MIN_ANSWER_TOKENS, Math.floor(slot / 4)),
    );
    // The target is in estimated tokens; the margin an estimate gets when fitted is taken off in advance.
    const target = Math.floor((slot - reserve) / (1 + ESTIMATE_MARGIN));
    const estimate = (messages: ChatCompletionRequest['messages']) =>
      estimatePromptTokens({ messages, tools: chat.tools }).tokens;
    const tokensBefore = estimate(chat.messages);
    const compaction = compactConversation(chat.messages, target, estimate, slot);
    if (!compaction) throw error;
    chat.messages = compaction.messages;
    const count = await fitToContext(gw, upstream, chat, requestedMaxTokens, signal);
    return { count, compaction: { ...compaction, tokensBefore, tokensAfter: estimate(chat.messages) } };
  }
}

/** Whether an error is the "prompt is too long" refusal (Claude Code's cue to compact). */
export function isPromptTooLong(error: unknown): error is GatewayError {
  return (
    error instanceof GatewayError &&
    error.kind === 'invalid_request' &&
    error.message.startsWith('prompt is too long')
  );
}

/** An AbortController that fires when the client disconnects before its answer is complete. */
export function abortOnClientGone(res: ServerResponse): AbortController {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new GatewayError('internal', 'client disconnected'));
  });
  return controller;
}
