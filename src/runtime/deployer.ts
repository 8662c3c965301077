import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { LABEL } from '../core/labels.js';
import { displayHost } from '../engines/engine-container.js';
import { adapterFor, specFor } from '../engines/registry.js';
import { monitoringContainers } from '../monitoring/monitoring-containers.js';
import type { MonitoringDeployInput } from '../monitoring/types.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import type { ModelLocator } from '../store/model-locator.js';
import { removeAgentContainer } from './agent-service.js';
import { configHash } from './config-hash.js';
import type { ContainerRuntime } from './container-runtime.js';
import { GATEWAY_NAME, gatewayContainerSpec } from './gateway-container.js';
import { hostUser, modelIdentity } from './model-identity.js';
import { type DesiredContainer, type ReconcileAction, reconcile } from './reconcile.js';
import { waitForHealth } from './wait-for-health.js';

export interface UpResult {
  deployment: string;
  created: string[];
  replaced: string[];
  reused: string[];
  started: string[];
  removed: string[];
}

/** What `up` needs to run the gateway container (only for Plans with a `gateway` section). */
export interface GatewayDeployInput {
  image: string;
  paths: { planFile: string; spoolDir: string };
  env?: NodeJS.ProcessEnv;
}

/** Labels that select every container of one deployment (engines, gateway, …). */
export function deploymentLabels(deployment: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.deployment]: deployment };
}

/** Labels that select the engine containers of one deployment. */
export function deploymentEngineLabels(deployment: string): Record<string, string> {
  return { ...deploymentLabels(deployment), [LABEL.role]: 'engine' };
}

/** The containers a Plan wants: its container entries (external ones run elsewhere), its gateway, its monitoring. */
export function desiredContainers(
  plan: Plan,
  models: ModelLocator,
  gateway?: GatewayDeployInput,
  monitoring?: MonitoringDeployInput,
): DesiredContainer[] {
  const user = hostUser();
  const engines = plan.engines.filter(isContainerEntry).map((entry): DesiredContainer => {
    // The Plan names the model (a path or a store reference); the engine mounts the file it resolves to.
    const modelPath = models.path(entry.model, plan.sourceDir);
    const spec = specFor({ ...entry, model: modelPath } as typeof entry, {
      deployment: plan.deployment,
      modelIdentity: modelIdentity(modelPath),
      ...(user ? { user } : {}),
    });
    return {
      name: entry.name,
      spec,
      hash: configHash(spec),
      health: {
        url: `http://${displayHost(entry.host)}:${entry.port}`,
        path: adapterFor(entry).healthPath,
        timeoutS: entry.healthTimeoutS,
      },
    };
  });
  const observers =
    plan.monitoring?.enabled && monitoring
      ? monitoringContainers(plan, plan.monitoring, monitoring, user)
      : [];
  if (!plan.gateway?.enabled || !gateway) return [...engines, ...observers];
  const spec = gatewayContainerSpec(plan, { ...gateway, ...(user ? { user } : {}) });
  const g = plan.gateway;
  return [
    ...engines,
    {
      name: GATEWAY_NAME,
      spec,
      hash: configHash(spec),
      // `/` answers as soon as the gateway listens; `/health` also reports the engines behind it.
      health: { url: `http://${displayHost(g.host)}:${g.port}`, path: '/', timeoutS: 60 },
    },
    ...observers,
  ];
}

/**
 * `ops up`: makes the runtime match the Plan. Images are checked before anything is touched; unchanged
 * containers are left alone; changed ones are replaced; then every container must answer healthy.
 */
export async function deployUp(
  plan: Plan,
  runtime: ContainerRuntime,
  bus: EventBus,
  options: { models: ModelLocator; gateway?: GatewayDeployInput; monitoring?: MonitoringDeployInput },
): Promise<UpResult> {
  const desired = desiredContainers(plan, options.models, options.gateway, options.monitoring);
  await assertImagesPresent(desired, runtime);
  // The agent is not the Plan's to reconcile: bring-up keeps it (runtime/agent-service.ts), `down` removes it.
  const existing = (await runtime.list(deploymentLabels(plan.deployment))).filter(
    (c) => c.labels[LABEL.role] !== 'agent',
  );
  const actions = reconcile(desired, existing);
  const result: UpResult = {
    deployment: plan.deployment,
    created: [],
    replaced: [],
    reused: [],
    started: [],
    removed: [],
  };

  // Removals first, so a replaced container frees its port before its successor binds it.
  for (const action of actions) {
    if (action.kind === 'remove') {
      await runtime.remove(action.existing.id);
      bus.emit({ kind: 'container:remove', name: action.existing.name, reason: action.reason });
      result.removed.push(action.existing.labels[LABEL.name] ?? action.existing.name);
    } else if (action.kind === 'replace') {
      await runtime.remove(action.existing.id);
    }
  }

  const toWatch: { desired: DesiredContainer; id: string }[] = [];
  for (const action of actions) {
    if (action.kind === 'remove') continue;
    const id = await apply(action, runtime, bus, result);
    toWatch.push({ desired: action.desired, id });
  }

  await Promise.all(
    toWatch.map(({ desired: d, id }) =>
      waitForHealth(
        {
          name: d.name,
          containerId: id,
          url: d.health.url,
          healthPath: d.health.path,
          timeoutS: d.health.timeoutS,
        },
        runtime,
        bus,
      ),
    ),
  );
  return result;
}

async function apply(
  action: Exclude<ReconcileAction, { kind: 'remove' }>,
  runtime: ContainerRuntime,
  bus: EventBus,
  result: UpResult,
): Promise<string> {
  switch (action.kind) {
    case 'reuse':
      bus.emit({ kind: 'container:reuse', name: action.desired.spec.name, configHash: action.desired.hash });
      result.reused.push(action.desired.name);
      // Reused containers are checked too: a healthy one is confirmed in one probe.
      return action.existing.id;
    case 'start':
      await runtime.start(action.existing.id);
      result.started.push(action.desired.name);
      return action.existing.id;
    case 'replace': {
      const oldHash = action.existing.labels[LABEL.configHash] ?? '';
      bus.emit({
        kind: 'container:replace',
        name: action.desired.spec.name,
        oldHash,
        newHash: action.desired.hash,
      });
      const id = await runtime.create(action.desired.spec, action.desired.hash);
      await runtime.start(id);
      result.replaced.push(action.desired.name);
      return id;
    }
    case 'create': {
      bus.emit({
        kind: 'container:create',
        name: action.desired.spec.name,
        engine: action.desired.spec.labels[LABEL.engine] ?? action.desired.spec.labels[LABEL.role] ?? '',
        configHash: action.desired.hash,
      });
      const id = await runtime.create(action.desired.spec, action.desired.hash);
      await runtime.start(id);
      result.created.push(action.desired.name);
      return id;
    }
  }
}

async function assertImagesPresent(desired: DesiredContainer[], runtime: ContainerRuntime): Promise<void> {
  const images = [...new Set(desired.map((d) => d.spec.image))];
  const missing: string[] = [];
  for (const image of images) if (!(await runtime.imageExists(image))) missing.push(image);
  if (missing.length === 0) return;
  const hints = missing.map((image) =>
    image.startsWith('ops/gateway:')
      ? '`ops images build gateway`'
      : image.startsWith('ops/')
        ? '`ops images build llama.cpp`'
        : `\`docker pull ${image}\` (or \`docker load\` a saved tarball on an offline machine)`,
  );
  throw new OpsError(`image${missing.length > 1 ? 's' : ''} not found locally: ${missing.join(', ')}`, {
    hint: `get ${missing.length > 1 ? 'them' : 'it'} with ${[...new Set(hints)].join(' and ')}; nothing was changed`,
  });
}

/** `ops down`: removes every container labelled for this deployment, and nothing else. */
export async function deployDown(
  deployment: string,
  runtime: ContainerRuntime,
  bus: EventBus,
): Promise<string[]> {
  const removed: string[] = [];
  for (const c of await runtime.list(deploymentLabels(deployment))) {
    // The agent writes the ledger: it gets SIGTERM and closes it; the rest hold nothing that a kill would corrupt.
    if (c.labels[LABEL.role] === 'agent') await removeAgentContainer(runtime, c.id);
    else await runtime.remove(c.id);
    bus.emit({ kind: 'container:remove', name: c.name, reason: 'ops down' });
    removed.push(c.name);
  }
  return removed;
}
