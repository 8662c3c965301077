import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { LABEL } from '../engines/labels.js';
import { displayHost } from '../engines/llama-cpp-adapter.js';
import { adapterFor, specFor } from '../engines/registry.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import { configHash } from './config-hash.js';
import type { ContainerRuntime } from './container-runtime.js';
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

/** Labels that select every engine container of one deployment. */
export function deploymentEngineLabels(deployment: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.deployment]: deployment, [LABEL.role]: 'engine' };
}

/** The desired containers for a Plan's container entries (external entries run elsewhere). */
export function desiredContainers(plan: Plan): DesiredContainer[] {
  return plan.engines.filter(isContainerEntry).map((entry) => {
    const spec = specFor(entry, {
      deployment: plan.deployment,
      modelIdentity: modelIdentity(entry.model),
      user: hostUser(),
    });
    return { name: entry.name, spec, hash: configHash(spec) };
  });
}

/**
 * `ops up`: makes the runtime match the Plan. Images are checked before anything is touched; unchanged
 * containers are left alone; changed ones are replaced; then every created/started engine must turn healthy.
 */
export async function deployUp(plan: Plan, runtime: ContainerRuntime, bus: EventBus): Promise<UpResult> {
  const desired = desiredContainers(plan);
  await assertImagesPresent(desired, runtime);
  const existing = await runtime.list(deploymentEngineLabels(plan.deployment));
  const actions = reconcile(desired, existing);
  const result: UpResult = {
    deployment: plan.deployment,
    created: [],
    replaced: [],
    reused: [],
    started: [],
    removed: [],
  };

  // Removals first, so a replaced engine frees its port before its successor binds it.
  for (const action of actions) {
    if (action.kind === 'remove') {
      await runtime.remove(action.existing.id);
      bus.emit({ kind: 'container:remove', name: action.existing.name, reason: action.reason });
      result.removed.push(action.existing.labels[LABEL.name] ?? action.existing.name);
    } else if (action.kind === 'replace') {
      await runtime.remove(action.existing.id);
    }
  }

  const toWatch: { name: string; id: string }[] = [];
  for (const action of actions) {
    const id = await apply(action, runtime, bus, result);
    if (id && action.kind !== 'remove') toWatch.push({ name: action.desired.name, id });
  }

  const entries = new Map(plan.engines.filter(isContainerEntry).map((e) => [e.name, e]));
  await Promise.all(
    toWatch.map(({ name, id }) => {
      const entry = entries.get(name)!;
      return waitForHealth(
        {
          name,
          containerId: id,
          url: `http://${displayHost(entry.host)}:${entry.port}`,
          healthPath: adapterFor(entry).healthPath,
          timeoutS: entry.healthTimeoutS,
        },
        runtime,
        bus,
      );
    }),
  );
  return result;
}

async function apply(
  action: ReconcileAction,
  runtime: ContainerRuntime,
  bus: EventBus,
  result: UpResult,
): Promise<string | undefined> {
  switch (action.kind) {
    case 'remove':
      return undefined;
    case 'reuse':
      bus.emit({ kind: 'container:reuse', name: action.desired.spec.name, configHash: action.desired.hash });
      result.reused.push(action.desired.name);
      // Reused engines are checked too: a healthy container is confirmed in one probe.
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
        engine: action.desired.spec.labels[LABEL.engine] ?? '',
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
  const local = missing.filter((i) => i.startsWith('ops/'));
  throw new OpsError(
    `engine image${missing.length > 1 ? 's' : ''} not found locally: ${missing.join(', ')}`,
    {
      hint:
        local.length > 0
          ? 'build it with `ops images build llama.cpp` (Debian packages, no registry needed); nothing was changed'
          : `pull it with \`docker pull ${missing[0]}\` (or \`docker load\` a saved tarball on an offline machine); nothing was changed`,
    },
  );
}

/** `ops down`: removes every container labelled for this deployment, and nothing else. */
export async function deployDown(
  deployment: string,
  runtime: ContainerRuntime,
  bus: EventBus,
): Promise<string[]> {
  const labels = { [LABEL.managed]: 'true', [LABEL.deployment]: deployment };
  const removed: string[] = [];
  for (const c of await runtime.list(labels)) {
    await runtime.remove(c.id);
    bus.emit({ kind: 'container:remove', name: c.name, reason: 'ops down' });
    removed.push(c.name);
  }
  return removed;
}
