import { join } from 'node:path';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { timedStep } from '../core/timed-step.js';
import { detectGpuIndexes } from '../detect/gpu-indexes.js';
import { defaultGatewayTag } from '../images/gateway-image.js';
import { monitoringUrls } from '../monitoring/monitoring-containers.js';
import { agentEndpointFromConfig, prepareMonitoring } from '../monitoring/prepare-monitoring.js';
import { saveCurrentPlan } from '../plan/plan-store.js';
import type { Plan } from '../plan/types.js';
import { checkPredictions } from '../planner/check-predictions.js';
import { StoreModelLocator } from '../store/model-locator.js';
import type { AgentRunning } from './agent-container.js';
import { ensureAgent } from './agent-service.js';
import { refreshCapacityFacts } from './capacity-facts-file.js';
import type { ContainerRuntime } from './container-runtime.js';
import { deployUp, type UpResult } from './deployer.js';
import { missingGatewaySecrets, prepareGatewayFiles } from './gateway-container.js';

export interface BringUpResult {
  up: UpResult;
  agent?: AgentRunning;
  monitoring?: { prometheus: string; grafana?: string; grafanaPasswordFile?: string };
}

/**
 * Everything `ops up` does for a validated Plan, also used by `ops setup`: refuse early when a key the gateway
 * needs is missing, prepare the gateway's and monitoring's files, reconcile the containers, keep the Plan as the
 * current one, keep the agent running when the Plan has monitoring, and record predicted vs allocated memory.
 */
export async function bringUp(
  plan: Plan,
  ctx: { state: StateDir; runtime: ContainerRuntime; bus: EventBus; env?: NodeJS.ProcessEnv },
): Promise<BringUpResult> {
  const { state, runtime, bus } = ctx;
  const env = ctx.env ?? process.env;
  const missing = plan.gateway?.enabled ? missingGatewaySecrets(plan, env) : [];
  if (missing.length > 0) {
    throw new OpsError(
      `the gateway needs ${missing.map((m) => `$${m}`).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not set`,
      {
        hint: `export ${missing[0]}=… and run again (keys never go in the Plan); nothing was changed`,
        exitCode: 2,
      },
    );
  }
  const gateway = plan.gateway?.enabled
    ? { image: defaultGatewayTag(), paths: prepareGatewayFiles(state, plan), env }
    : undefined;
  if (gateway) refreshCapacityFacts(state, plan, gateway.paths.planFile, bus);
  const gpus = plan.monitoring?.enabled ? await detectGpuIndexes() : [];
  const monitoring = await prepareMonitoring(state, plan, {
    runtime,
    bus,
    nvidia: gpus.length > 0,
    agent: agentEndpointFromConfig(state, bus),
  });
  const up = await timedStep(bus, `up ${plan.deployment}`, () =>
    deployUp(plan, runtime, bus, {
      models: new StoreModelLocator(state),
      ...(gateway ? { gateway } : {}),
      ...(monitoring ? { monitoring } : {}),
    }),
  );
  const result: BringUpResult = { up };
  if (plan.monitoring && monitoring) {
    const urls = monitoringUrls(plan.monitoring);
    const withGrafana = monitoring.components.includes('grafana');
    result.monitoring = {
      prometheus: urls.prometheus,
      ...(withGrafana
        ? { grafana: urls.grafana, grafanaPasswordFile: monitoring.paths.grafanaPasswordFile }
        : {}),
    };
    const grafana = withGrafana
      ? `, Grafana ${urls.grafana} (user admin, password in ${monitoring.paths.grafanaPasswordFile})`
      : '';
    bus.emit({ kind: 'log', level: 'info', message: `monitoring: Prometheus ${urls.prometheus}${grafana}` });
  }
  saveCurrentPlan(state, plan);
  // The agent (power, probes, usage spool → ledger) feeds the monitoring; it runs in its own container with a
  // restart policy, reading the current Plan just saved.
  // Like the memory check below, a failed agent never fails `up`: the engines serve without it.
  if (plan.monitoring?.enabled) {
    try {
      result.agent = await ensureAgent(plan.deployment, { state, runtime, bus, gpus, env });
    } catch (error) {
      bus.emit({
        kind: 'log',
        level: 'warn',
        message: `the ops agent did not start; uptime and power are not recorded: ${(error as Error).message.split('\n')[0]} (see ${join(state.logsDir, 'agent.log')}; then ops agent start)`,
      });
    }
  }
  // Predicted vs allocated memory, for `ops plan --explain`; a failed check never fails `up`.
  await checkPredictions(plan, runtime, bus, state, new StoreModelLocator(state)).catch((e: unknown) =>
    bus.emit({ kind: 'log', level: 'warn', message: `memory check failed: ${String(e)}` }),
  );
  return result;
}
