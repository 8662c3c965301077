import type { Plan } from '../plan/types.js';
import type { GatewayOptions } from './gateway-context.js';

/**
 * The gateway options a Plan's `gateway` section sets (aliases, cloud policy, timeouts, compaction, …),
 * for every place that builds a gateway from a Plan (`ops gateway`, the gateway container).
 */
export function gatewayOptionsFromPlan(
  plan: Plan,
  env: Readonly<Record<string, string | undefined>>,
): Omit<GatewayOptions, 'upstreams'> {
  const g = plan.gateway;
  return {
    aliases: g?.aliases ?? {},
    ...(g?.cloud ? { cloud: g.cloud, env } : {}),
    ...(g?.timeouts ? { timeouts: dropUndefined(g.timeouts) } : {}),
    ...(g?.compactConversations !== undefined ? { compactConversations: g.compactConversations } : {}),
    ...(g?.returnReasoning !== undefined ? { returnReasoning: g.returnReasoning } : {}),
    ...(g?.slotAffinity !== undefined ? { slotAffinity: g.slotAffinity } : {}),
  };
}

function dropUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
