import type { PriceList } from '../config/ops-config.js';
import type { UsageRow } from '../ledger/types.js';
import { priceForModel, tokenCost } from './pricing.js';
import type { RoutingLine } from './types.js';

/** What a row's routing decision is reported as when the gateway recorded none (OpenAI API traffic, older rows). */
export const UNRECORDED_REASON = 'unrecorded';

/**
 * Tokens and money per routing decision: route, the hybrid policy's reason, and the Plan's task rule. Local lines'
 * value is what the same tokens would have cost in the cloud (what routing them locally saved, before the box's
 * own costs); cloud lines' is what they did cost. Each row is priced at its own model's rates, cache-aware.
 * Sorted by route, then by tokens, largest first.
 */
export function computeRouting(rows: readonly UsageRow[], prices: PriceList): RoutingLine[] {
  const lines = new Map<string, RoutingLine>();
  for (const r of rows) {
    const reason = r.routeReason ?? UNRECORDED_REASON;
    const rule = r.routeRule ?? null;
    const key = `${r.route}\u0000${reason}\u0000${rule ?? ''}`;
    const line = lines.get(key) ?? {
      route: r.route,
      reason,
      rule,
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      savedUsd: 0,
      spentUsd: 0,
    };
    const cost = tokenCost(priceForModel(r.model, prices), r).totalUsd;
    line.requests++;
    line.inputTokens += r.inputTokens;
    line.outputTokens += r.outputTokens;
    if (r.route === 'local') line.savedUsd += cost;
    else line.spentUsd += cost;
    lines.set(key, line);
  }
  return [...lines.values()].sort(
    (a, b) =>
      a.route.localeCompare(b.route) || b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens),
  );
}
