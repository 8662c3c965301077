import type { PriceList } from '../config/ops-config.js';
import type { UsageRow } from '../ledger/types.js';
import { dayOf } from './month-range.js';
import { plainInputTokens, priceForModel, pricesAsOf, type TokenCounts, tokenCost } from './pricing.js';
import { computeRouting } from './routing.js';
import type { TokenLine, TokensSection } from './types.js';

/** Token totals of one model and route (raw rows or a ledger aggregate). */
export interface TokenTotal extends TokenCounts {
  model: string;
  route: 'local' | 'cloud';
  requests: number;
}

/**
 * Prices token totals: local ones at what the cloud would have charged, cloud ones at what it did charge; each kind
 * of token at its own rate (cache reads at a tenth of the input price, cache writes at 1.25×), and alongside, what
 * the same tokens come to when every prompt token is priced as plain input (the naive figure, for comparison).
 */
export function priceTokenTotals(totals: readonly TokenTotal[], prices: PriceList): TokenLine[] {
  return totals.map((t) => {
    const price = priceForModel(t.model, prices);
    const cost = tokenCost(price, t);
    return {
      model: t.model,
      route: t.route,
      requests: t.requests,
      inputTokens: t.inputTokens,
      cacheReadTokens: t.cacheReadTokens,
      cacheWriteTokens: t.cacheWriteTokens,
      outputTokens: t.outputTokens,
      pricedAs: price.matched ? price.id : `${price.id} (default)`,
      costUsd: cost.totalUsd,
      cost,
      uncachedCostUsd: tokenCost(price, { ...t, cacheReadTokens: 0, cacheWriteTokens: 0 }).totalUsd,
    };
  });
}

/** Sums usage rows by model and route. */
export function totalUsage(rows: readonly UsageRow[]): TokenTotal[] {
  const map = new Map<string, TokenTotal>();
  for (const r of rows) {
    const key = `${r.route}\u0000${r.model}`;
    const t = map.get(key) ?? {
      model: r.model,
      route: r.route,
      requests: 0,
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
    };
    t.requests++;
    t.inputTokens += r.inputTokens;
    t.cacheReadTokens += r.cacheReadTokens;
    t.cacheWriteTokens += r.cacheWriteTokens;
    t.outputTokens += r.outputTokens;
    map.set(key, t);
  }
  return [...map.values()];
}

/** The tokens section: by model and route, cloud-equivalent value, cloud spend, local share, tokens per day. */
export function computeTokens(
  rows: readonly UsageRow[],
  prices: PriceList,
  window: { fromMs: number; toMs: number },
): TokensSection {
  const byModel = priceTokenTotals(totalUsage(rows), prices).sort(
    (a, b) =>
      a.route.localeCompare(b.route) || b.outputTokens + b.inputTokens - (a.outputTokens + a.inputTokens),
  );
  const sum = (route: 'local' | 'cloud') => {
    const lines = byModel.filter((l) => l.route === route);
    const total = (f: (l: TokenLine) => number) => lines.reduce((s, l) => s + f(l), 0);
    return {
      requests: total((l) => l.requests),
      inputTokens: total((l) => l.inputTokens),
      cacheReadTokens: total((l) => l.cacheReadTokens),
      cacheWriteTokens: total((l) => l.cacheWriteTokens),
      outputTokens: total((l) => l.outputTokens),
      costUsd: total((l) => l.costUsd),
      uncachedCostUsd: total((l) => l.uncachedCostUsd),
    };
  };
  const local = sum('local');
  const cloud = sum('cloud');
  const daily = new Map<string, { localTokens: number; cloudTokens: number }>();
  for (let ms = window.fromMs; ms < window.toMs; ms += 86_400_000)
    daily.set(dayOf(ms), { localTokens: 0, cloudTokens: 0 });
  for (const r of rows) {
    const d = daily.get(dayOf(r.tsMs));
    if (!d) continue;
    if (r.route === 'local') d.localTokens += r.inputTokens + r.outputTokens;
    else d.cloudTokens += r.inputTokens + r.outputTokens;
  }
  const requests = local.requests + cloud.requests;
  const counts = ({ costUsd: _, uncachedCostUsd: __, ...c }: typeof local) => ({
    ...c,
    plainInputTokens: plainInputTokens(c),
  });
  return {
    byModel,
    local: counts(local),
    cloud: counts(cloud),
    cloudEquivalentUsd: local.costUsd,
    cloudEquivalentUncachedUsd: local.uncachedCostUsd,
    cloudSpendUsd: cloud.costUsd,
    localSharePercent: requests === 0 ? null : (local.requests / requests) * 100,
    daily: [...daily].map(([day, v]) => ({ day, ...v })),
    pricesAsOf: pricesAsOf(prices),
    pricesSource: prices.source ?? null,
    byRouting: computeRouting(rows, prices),
  };
}
