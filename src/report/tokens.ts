import type { PriceList } from '../config/ops-config.js';
import type { UsageRow } from '../ledger/types.js';
import { dayOf } from './month-range.js';
import { priceForModel, tokenCostUsd } from './pricing.js';
import type { TokenLine, TokensSection } from './types.js';

/** Token totals of one model and route (raw rows or a ledger aggregate). */
export interface TokenTotal {
  model: string;
  route: 'local' | 'cloud';
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/** Prices token totals: local ones at what the cloud would have charged, cloud ones at what it did charge. */
export function priceTokenTotals(totals: readonly TokenTotal[], prices: PriceList): TokenLine[] {
  return totals.map((t) => {
    const price = priceForModel(t.model, prices);
    return {
      ...t,
      pricedAs: price.matched ? price.id : `${price.id} (default)`,
      costUsd: tokenCostUsd(price, t.inputTokens, t.outputTokens),
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
      outputTokens: 0,
    };
    t.requests++;
    t.inputTokens += r.inputTokens;
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
    return {
      requests: lines.reduce((s, l) => s + l.requests, 0),
      inputTokens: lines.reduce((s, l) => s + l.inputTokens, 0),
      outputTokens: lines.reduce((s, l) => s + l.outputTokens, 0),
      costUsd: lines.reduce((s, l) => s + l.costUsd, 0),
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
  return {
    byModel,
    local: { requests: local.requests, inputTokens: local.inputTokens, outputTokens: local.outputTokens },
    cloud: { requests: cloud.requests, inputTokens: cloud.inputTokens, outputTokens: cloud.outputTokens },
    cloudEquivalentUsd: local.costUsd,
    cloudSpendUsd: cloud.costUsd,
    localSharePercent: requests === 0 ? null : (local.requests / requests) * 100,
    daily: [...daily].map(([day, v]) => ({ day, ...v })),
    pricesAsOf:
      prices.asOf === undefined
        ? null
        : prices.asOf instanceof Date
          ? prices.asOf.toISOString().slice(0, 10)
          : prices.asOf,
  };
}
