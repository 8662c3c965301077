import { QUANTS, type QuantName } from '../catalog/quant-types.js';
import type { KvCacheType } from './types.js';

/**
 * What a coding agent needs from a plan, as rules with their sources. The planner spends memory on these first
 * (context, then KV precision, then weight precision), because published measurements say that is the order in
 * which they cost quality (issue 16).
 */

/**
 * Tokens of context each agent gets unless the user asks for less. Claude Code's system prompt and 24 tools come
 * to about 19–20K tokens on its first request (measured at the gateway, DESIGN.md §4); with 32K an agent
 * compacts every few turns. A short context costs far more than the last bits of the weights: aider's edit
 * benchmark on Qwen2.5-Coder-32B scores 72.2 at 8 bits, 66.9 at Q4_K_M, but 51.9 with a 2K context.
 */
export const MIN_CONTEXT_PER_AGENT = 65536;

/** The prompt every estimate is quoted for: Claude Code's first request (~20K tokens, DESIGN.md §4). */
export const PROMPT_TOKENS_FOR_ESTIMATE = 20_000;

/**
 * KV cache types planned unless the user asks for others. q8_0 is near-lossless (the aider figures above put
 * weight bits, not cache bits, first) and halves the cache; q4_0 degrades long-context recall and is the first
 * thing to give up, so it is only used when asked for.
 */
export const DEFAULT_KV_CACHE_TYPES: readonly KvCacheType[] = ['f16', 'q8_0'];

/**
 * Quality loss a KV cache type costs, on the catalog's scale. f16 and q8_0 count the same, so the planner spends
 * memory on context and weights first ("prefer a q8_0 cache and more context over higher-bit weights": a Q6_K with
 * a q8_0 cache beats a Q5_K_M with an f16 one); between the two the faster placement wins. On the CPU alone f16 is
 * taken when it fits: llama.cpp's CPU attention dequantizes a quantized cache on every step (candidate.ts).
 */
export const KV_QUALITY_LOSS: Record<KvCacheType, number> = { f16: 0, q8_0: 0, q4_0: -3 };

/**
 * The weakest weight quantization planned unless asked: 4-bit K-quants (Q4_K_M; IQ4_XS is the 4-bit i-quant of
 * the same size class). Below it (Q4_0, Q3_K, Q2_K) coding quality falls off: Q4_K_M already loses 5.3 points
 * against 8 bits on aider's benchmark (72.2 → 66.9), and 3-bit and 2-bit mixes lose far more
 * (llama-quantize's perplexity table, src/catalog/quant-types.ts).
 */
export function meetsWeightFloor(quant: QuantName): boolean {
  return QUANTS[quant].quality >= QUANTS.IQ4_XS.quality;
}

/**
 * Decode speed below which a placement is not offered while a faster one exists: an agent turn writes a few
 * hundred tokens, so under ~10 tokens/s every turn takes the better part of a minute on top of prompt processing.
 */
export const MIN_AGENT_TOKENS_PER_SEC = 10;

/**
 * Share of `--max-model-len` the average concurrent request holds. Agents start at ~20K tokens and grow until they
 * compact, so at any moment a pool of agents holds about half its windows (vLLM allocates pages on demand; a
 * request that finds no page waits, it does not fail). vLLM still needs room for one full-length request.
 */
export const EXPECTED_CONTEXT_FILL = 0.5;

/** The advice when the floor refuses everything: the floor stays, the load goes down. */
export const FLOOR_ADVICE = 'fewer agents or less context';

/**
 * Decode speed at which the quality model also serves the quick tier (Claude Code's haiku requests: titles,
 * summaries, small edits) instead of a second model placed in what the first left: at this speed a quick answer
 * of a few hundred tokens is back in seconds, and one model keeps one prefix cache.
 */
export const FAST_TIER_SUFFICIENT_TOKENS_PER_SEC = 50;

/** Prompt time above which a plan says first turns will be slow (a minute for Claude Code's first request). */
export const SLOW_PROMPT_SECONDS = 60;
