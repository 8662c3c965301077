import type { ChatUsage } from './openai/types.js';

/** llama-server's own per-response timings (next to `usage`); `cache_n` is the prompt tokens reused from the slot. */
export interface EngineTimings {
  cache_n?: number;
  prompt_n?: number;
}

/**
 * The usage an engine reported, with the prompt tokens it served from its cache in `prompt_tokens_details.cached_tokens`
 * (OpenAI's field, which llama-server and vLLM fill); a llama-server that reports only `timings.cache_n` has it copied
 * there. The count never exceeds the prompt. These are what the cloud would have billed as cache reads.
 */
export function withCachedPromptTokens(
  usage: ChatUsage | null | undefined,
  timings: EngineTimings | null | undefined,
): ChatUsage | undefined {
  if (!usage) return undefined;
  const reported = usage.prompt_tokens_details?.cached_tokens ?? timings?.cache_n;
  if (reported === undefined || !Number.isFinite(reported)) return usage;
  const cached = Math.max(0, Math.min(usage.prompt_tokens, reported));
  return { ...usage, prompt_tokens_details: { ...usage.prompt_tokens_details, cached_tokens: cached } };
}

/** The cached prompt tokens of a usage object (0 when the engine did not say). */
export const cachedPromptTokens = (usage: ChatUsage | null | undefined): number =>
  usage?.prompt_tokens_details?.cached_tokens ?? 0;
