import type { ModelPriceEntry, PriceList } from '../config/ops-config.js';

export interface ModelPrice {
  id: string;
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  cacheReadUsdPerMTok: number;
  cacheWriteUsdPerMTok: number;
  /** False when no entry matched the name and the local-equivalent entry was used. */
  matched: boolean;
}

/**
 * Tokens of one request or a sum of them. `inputTokens` is the whole prompt (as the gateway records it); the cache
 * reads and writes are the parts of it the cloud bills at its cache rates, so plain input is what remains.
 */
export interface TokenCounts {
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
}

/** Dollars by kind of token. */
export interface TokenCost {
  inputUsd: number;
  cacheReadUsd: number;
  cacheWriteUsd: number;
  outputUsd: number;
  totalUsd: number;
}

/** The price-list entry for a model name: the first whose `match` substring it contains, else `localEquivalent`. */
export function priceForModel(model: string, prices: PriceList): ModelPrice {
  const name = model.toLowerCase();
  const hit = prices.models.find((m) => m.match.some((s) => name.includes(s.toLowerCase())));
  if (hit) return { ...pick(hit), matched: true };
  const fallback = prices.models.find((m) => m.id === prices.localEquivalent) ?? prices.models[0]!;
  return { ...pick(fallback), matched: false };
}

/** Prompt tokens billed at the plain input rate: the prompt less its cache reads and writes (never below zero). */
export const plainInputTokens = (t: TokenCounts): number =>
  Math.max(0, t.inputTokens - t.cacheReadTokens - t.cacheWriteTokens);

/**
 * What the tokens cost at a model's prices: plain input, cache reads, cache writes and output each at their own
 * rate. Pricing every prompt token at the input rate instead overstates a Claude Code month several-fold, since
 * most of its prompt tokens are cache reads at a tenth of it.
 */
export function tokenCost(price: ModelPrice, t: TokenCounts): TokenCost {
  const inputUsd = (plainInputTokens(t) * price.inputUsdPerMTok) / 1_000_000;
  const cacheReadUsd = (t.cacheReadTokens * price.cacheReadUsdPerMTok) / 1_000_000;
  const cacheWriteUsd = (t.cacheWriteTokens * price.cacheWriteUsdPerMTok) / 1_000_000;
  const outputUsd = (t.outputTokens * price.outputUsdPerMTok) / 1_000_000;
  return {
    inputUsd,
    cacheReadUsd,
    cacheWriteUsd,
    outputUsd,
    totalUsd: inputUsd + cacheReadUsd + cacheWriteUsd + outputUsd,
  };
}

/** The price list's read date as YYYY-MM-DD (YAML turns an unquoted date into a Date). */
export function pricesAsOf(prices: PriceList): string | null {
  if (prices.asOf === undefined) return null;
  return prices.asOf instanceof Date ? prices.asOf.toISOString().slice(0, 10) : prices.asOf;
}

const pick = (m: ModelPriceEntry) => ({
  id: m.id,
  inputUsdPerMTok: m.inputUsdPerMTok,
  outputUsdPerMTok: m.outputUsdPerMTok,
  cacheReadUsdPerMTok: m.cacheReadUsdPerMTok,
  cacheWriteUsdPerMTok: m.cacheWriteUsdPerMTok,
});
