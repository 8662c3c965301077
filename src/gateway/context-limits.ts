import type { UpstreamDescriptor } from './types.js';

/**
 * Tokens one request may use on an upstream. llama.cpp divides `-c` among its `--parallel` slots (unless
 * started with `--kv-unified`; llama.cpp tools/server/README.md), so a request gets contextLength / parallel.
 * vLLM and external APIs hold one request of the full `--max-model-len` in their paged pool.
 */
export function slotContextTokens(
  upstream: Pick<UpstreamDescriptor, 'contextLength' | 'parallel' | 'engine'>,
): number {
  if (upstream.engine === 'llama.cpp')
    return Math.floor(upstream.contextLength / Math.max(1, upstream.parallel));
  return upstream.contextLength;
}

/** How a prompt was counted: exactly by the upstream's tokenizer, or estimated from its size. */
export type TokenCountSource = 'tokenizer' | 'estimate';

export type ContextDecision =
  | { fits: true; maxTokens: number; clamped: boolean }
  | { fits: false; message: string; promptTokens: number; limit: number };

/**
 * The least room for an answer worth sending: below it the request is answered "prompt is too long" (which
 * Claude Code understands) rather than sent with `max_tokens: 1`, which only produces a broken turn.
 */
export const MIN_ANSWER_TOKENS = 1024;

/**
 * Share added to a bytes/4 estimate as a margin: code and JSON tokenize at about 3–3.5 bytes per token, so
 * bytes/4 under-counts them by up to a quarter.
 */
export const ESTIMATE_MARGIN = 0.25;

/**
 * Decides the `max_tokens` to send: the request's, clamped to what is left of the slot after the prompt.
 * Claude Code asks for 32000 or more; an engine refuses (vLLM) or silently truncates (llama.cpp) when
 * prompt + max_tokens exceed the context. An estimated count gets a margin of a quarter. When less than
 * `MIN_ANSWER_TOKENS` (or the smaller amount asked for) would be left, the prompt is refused with the text
 * Claude Code understands (DESIGN.md §4); the maximum it names is the most prompt that leaves that room.
 */
export function decideMaxTokens(input: {
  promptTokens: number;
  source: TokenCountSource;
  requestedMaxTokens: number | undefined;
  slotContext: number;
}): ContextDecision {
  const { promptTokens, slotContext } = input;
  if (promptTokens >= slotContext) {
    return {
      fits: false,
      promptTokens,
      limit: slotContext,
      message: `prompt is too long: ${promptTokens} tokens > ${slotContext} maximum`,
    };
  }
  const margin = input.source === 'estimate' ? Math.ceil(promptTokens * ESTIMATE_MARGIN) : 0;
  const room = slotContext - promptTokens - margin;
  const floor = Math.min(input.requestedMaxTokens ?? MIN_ANSWER_TOKENS, MIN_ANSWER_TOKENS);
  if (room < floor) {
    const limit = Math.max(1, slotContext - floor);
    return {
      fits: false,
      promptTokens: promptTokens + margin,
      limit,
      message: `prompt is too long: ${promptTokens + margin} tokens > ${limit} maximum`,
    };
  }
  const requested = input.requestedMaxTokens ?? room;
  return requested > room
    ? { fits: true, maxTokens: room, clamped: true }
    : { fits: true, maxTokens: requested, clamped: false };
}

/** The documented fallback estimate: one token per four bytes of UTF-8 (OpenAI's rule of thumb for English). */
export function estimateTokensFromBytes(bytes: number): number {
  return Math.ceil(bytes / 4);
}
