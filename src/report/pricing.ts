import type { PriceList } from '../config/ops-config.js';

export interface ModelPrice {
  id: string;
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  /** False when no entry matched the name and the local-equivalent entry was used. */
  matched: boolean;
}

/** The price-list entry for a model name: the first whose `match` substring it contains, else `localEquivalent`. */
export function priceForModel(model: string, prices: PriceList): ModelPrice {
  const name = model.toLowerCase();
  const hit = prices.models.find((m) => m.match.some((s) => name.includes(s.toLowerCase())));
  if (hit) return { ...pick(hit), matched: true };
  const fallback = prices.models.find((m) => m.id === prices.localEquivalent) ?? prices.models[0]!;
  return { ...pick(fallback), matched: false };
}

/** Dollars for the given tokens at a price per million tokens. */
export function tokenCostUsd(price: ModelPrice, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.inputUsdPerMTok + outputTokens * price.outputUsdPerMTok) / 1_000_000;
}

const pick = (m: PriceList['models'][number]) => ({
  id: m.id,
  inputUsdPerMTok: m.inputUsdPerMTok,
  outputUsdPerMTok: m.outputUsdPerMTok,
});
