import type { EngineEntry, Plan } from '../../src/plan/types.js';

/** The gateway's port inside the cluster (the Plan's default gateway port). */
export const GATEWAY_PORT = 8080;

/**
 * The Plan the in-cluster gateway reads: each vLLM entry points at its Service instead of a local port, external
 * entries stay as they are, entries the cluster does not run (llama.cpp) are dropped with their aliases.
 * Holds no secret: API keys reach the gateway as environment variables from a Secret.
 */
export function clusterGatewayPlan(
  plan: Plan,
  serviceHosts: Readonly<Record<string, string>>,
  enginePort: number,
): Record<string, unknown> {
  const engines = plan.engines.flatMap((entry): EngineEntry[] => {
    if (entry.engine === 'external') return [entry];
    const host = serviceHosts[entry.name];
    if (entry.engine !== 'vllm' || !host) return [];
    return [{ ...entry, host, port: enginePort }];
  });
  const kept = new Set(engines.map((e) => e.name));
  const aliases = Object.fromEntries(
    Object.entries(plan.gateway?.aliases ?? {}).filter(([, target]) => kept.has(target)),
  );
  return {
    version: plan.version,
    deployment: plan.deployment,
    engines,
    gateway: { enabled: true, host: '0.0.0.0', port: GATEWAY_PORT, aliases },
  };
}
