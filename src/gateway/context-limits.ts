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
 * Decides the `max_tokens` to send: the request's, clamped to what is left of the slot after the prompt.
 * Claude Code asks for 32000 or more; an engine refuses (vLLM) or silently truncates (llama.cpp) when
 * prompt + max_tokens exceed the context. An estimated count keeps a margin of half the estimate, since
 * bytes/4 under-counts code. The refusal text is the one Claude Code understands (DESIGN.md §4).
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
  const margin = input.source === 'estimate' ? Math.ceil(promptTokens / 2) : 0;
  // At least one token of room is always offered: a prompt that fits must be allowed to answer.
  const room = Math.max(1, slotContext - promptTokens - margin);
  const requested = input.requestedMaxTokens ?? room;
  return requested > room
    ? { fits: true, maxTokens: room, clamped: true }
    : { fits: true, maxTokens: requested, clamped: false };
}

/** The documented fallback estimate: one token per four bytes of UTF-8 (OpenAI's rule of thumb for English). */
export function estimateTokensFromBytes(bytes: number): number {
  return Math.ceil(bytes / 4);
}
