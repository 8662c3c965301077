import type { Plan } from '../plan/types.js';
import { apiKeysFromEnv } from './auth.js';
import type { GatewayOptions } from './gateway-context.js';
import { gatewayOptionsFromPlan } from './options-from-plan.js';
import { createGateway, type Gateway } from './server.js';
import type { UpstreamDescriptor } from './types.js';
import { upstreamsFromPlan } from './upstreams-from-plan.js';

/**
 * The one way a gateway is built from a Plan, for `ops gateway` (foreground) and the gateway container
 * (`main.ts`): the Plan's engines as upstreams, its gateway section as options, the keys from the environment;
 * each caller adds only what is its own (where usage goes, where capacity facts come from).
 */
export function createGatewayForPlan(
  plan: Plan,
  env: NodeJS.ProcessEnv,
  own: Pick<GatewayOptions, 'usageSink' | 'capacityFacts'> = {},
): { gateway: Gateway; upstreams: UpstreamDescriptor[] } {
  const upstreams = upstreamsFromPlan(plan, env);
  const gateway = createGateway({
    upstreams,
    ...gatewayOptionsFromPlan(plan, env),
    apiKeys: apiKeysFromEnv(env),
    ...own,
  });
  return { gateway, upstreams };
}
