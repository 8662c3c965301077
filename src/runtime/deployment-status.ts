import { join } from 'node:path';
import { LABEL } from '../core/labels.js';
import type { Plan } from '../plan/types.js';
import type { AgentRunning } from './agent-container.js';
import type { ContainerRuntime, ManagedContainer } from './container-runtime.js';
import { probeHealth } from './wait-for-health.js';

/** What `ops status --json` prints for one engine. */
export interface EngineStatus {
  name: string;
  engine: string;
  /** healthy: answers its health URL; starting: running, not ready yet; unhealthy; stopped; missing (in the Plan, not running). */
  state: 'healthy' | 'starting' | 'unhealthy' | 'stopped' | 'missing' | 'unreachable';
  url: string;
  container?: { id: string; name: string; image: string; state: string; configHash: string };
}

export interface DeploymentStatus {
  deployment: string;
  engines: EngineStatus[];
  /** The gateway container, when the Plan runs one: where clients (Claude Code, SDKs) point. */
  gateway?: { url: string; state: EngineStatus['state']; container: string };
  /** Prometheus, exporters, Grafana: each with its state and URL. */
  monitoring: { name: string; state: EngineStatus['state']; url: string }[];
  /** The agent's container, when it runs in one (the host-process fallback is not Docker's to list). */
  agent?: Extract<AgentRunning, { mode: 'container' }>;
}

/**
 * Status of a deployment: every labelled engine container (with a live health probe), plus the Plan's entries
 * that have no container (missing) and its external upstreams (probed at `/models`).
 */
export async function deploymentStatus(
  deployment: string,
  runtime: ContainerRuntime,
  plan: Plan | undefined,
): Promise<DeploymentStatus> {
  // One list call for everything of the deployment; then every live probe at once (engines, gateway, monitoring,
  // agent, external upstreams), so `ops status` takes about as long as the slowest probe, not their sum.
  const all = await runtime.list({ [LABEL.managed]: 'true', [LABEL.deployment]: deployment });
  const ofRole = (role: string) => all.filter((c) => c.labels[LABEL.role] === role);
  const gatewayContainer = ofRole('gateway')[0];
  const agentContainer = ofRole('agent')[0];
  const seen = new Set(ofRole('engine').map((c) => c.labels[LABEL.name] ?? c.name));
  const [engines, gatewayStatus, monitoring, agentHealthy, external] = await Promise.all([
    Promise.all(ofRole('engine').map((c) => containerStatus(c, '/health'))),
    gatewayContainer ? containerStatus(gatewayContainer, '/') : undefined,
    // Prometheus and the exporters answer their own paths; for a status line, "the port answers" is enough.
    Promise.all(
      ofRole('monitoring').map(async (c) => {
        const s = await containerStatus(c, monitoringHealthPath(c.labels[LABEL.name] ?? ''));
        return { name: s.name, state: s.state, url: s.url };
      }),
    ),
    agentContainer?.state === 'running' && agentContainer.labels[LABEL.url]
      ? probeHealth(`${agentContainer.labels[LABEL.url]}/metrics`)
      : false,
    Promise.all(
      (plan?.engines ?? [])
        .filter((entry) => entry.engine === 'external' && !seen.has(entry.name))
        .map(async (entry): Promise<EngineStatus> => {
          const url = (entry as { baseUrl: string }).baseUrl.replace(/\/$/, '');
          return {
            name: entry.name,
            engine: 'external',
            state: (await probeHealth(`${url}/models`)) ? 'healthy' : 'unreachable',
            url,
          };
        }),
    ),
  ]);
  monitoring.sort((a, b) => a.name.localeCompare(b.name));
  engines.push(...external);
  for (const entry of plan?.engines ?? []) {
    if (seen.has(entry.name) || entry.engine === 'external') continue;
    engines.push({
      name: entry.name,
      engine: entry.engine,
      state: 'missing',
      url: `http://${entry.host}:${entry.port}`,
    });
  }
  engines.sort((a, b) => a.name.localeCompare(b.name));
  return {
    deployment,
    engines,
    monitoring,
    ...(gatewayStatus
      ? { gateway: { url: gatewayStatus.url, state: gatewayStatus.state, container: gatewayContainer!.name } }
      : {}),
    ...(agentContainer
      ? {
          agent: {
            mode: 'container' as const,
            container: agentContainer.name,
            deployment,
            state: agentContainer.state,
            healthy: agentHealthy,
            url: agentContainer.labels[LABEL.url] ?? '',
            // The agent logs to $OPS_HOME/logs/agent.log; its container is labelled with that state directory.
            log: join(agentContainer.labels[LABEL.stateDir] ?? '', 'logs', 'agent.log'),
          },
        }
      : {}),
  };
}

async function containerStatus(c: ManagedContainer, healthPath: string): Promise<EngineStatus> {
  const url = c.labels[LABEL.url] ?? '';
  let state: EngineStatus['state'];
  if (c.state !== 'running') state = 'stopped';
  else if (url && (await probeHealth(`${url}${healthPath}`))) state = 'healthy';
  else state = c.health === 'unhealthy' ? 'unhealthy' : 'starting';
  return {
    name: c.labels[LABEL.name] ?? c.name,
    engine: c.labels[LABEL.engine] ?? 'unknown',
    state,
    url,
    container: {
      id: c.id.slice(0, 12),
      name: c.name,
      image: c.image,
      state: c.state,
      configHash: (c.labels[LABEL.configHash] ?? '').slice(0, 12),
    },
  };
}

/** Where each monitoring component says it is ready. */
function monitoringHealthPath(name: string): string {
  if (name === 'prometheus') return '/-/ready';
  if (name === 'grafana') return '/api/health';
  return '/metrics';
}
