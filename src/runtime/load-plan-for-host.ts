import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { detectGpuIndexes } from '../detect/gpu-indexes.js';
import { LABEL } from '../engines/labels.js';
import { hostPlanContext, loadPlan, planFootprint, readPlanDocument } from '../plan/load-plan.js';
import { planFileToUse } from '../plan/plan-store.js';
import type { Plan } from '../plan/types.js';
import type { ContainerRuntime } from './container-runtime.js';
import { takenPorts } from './port-check.js';

/**
 * Loads and validates a Plan against this machine: model files, GPUs, and ports — a port held by this
 * deployment's own containers is not a clash (`up` reuses or replaces them). Warnings go to the bus.
 */
export async function loadPlanForHost(
  ctx: { state: StateDir; bus: EventBus },
  file: string | undefined,
  runtime?: ContainerRuntime,
): Promise<Plan> {
  const path = planFileToUse(ctx.state, file);
  if (!path) {
    throw new OpsError('no Plan given and no current Plan in the state directory', {
      hint: 'pass --plan FILE (see "The Plan" in README.md), or run `ops plan --write` to generate one',
      exitCode: 2,
    });
  }
  const doc = readPlanDocument(path);
  const footprint = planFootprint(doc);
  const ownPorts = new Set<number>();
  if (runtime) {
    for (const c of await runtime.list({
      [LABEL.managed]: 'true',
      [LABEL.deployment]: footprint.deployment,
    })) {
      for (const p of c.hostPorts) ownPorts.add(p);
      // A host-network container (gateway, monitoring) publishes nothing; its port is in its URL label.
      const labelled = Number(/:(\d+)$/.exec(c.labels[LABEL.url] ?? '')?.[1]);
      if (labelled) ownPorts.add(labelled);
    }
  }
  const taken = new Set([...(await takenPorts(footprint.ports))].filter((p) => !ownPorts.has(p)));
  const { plan, warnings } = loadPlan(path, hostPlanContext('', await detectGpuIndexes(), taken), doc);
  for (const w of warnings) ctx.bus.emit({ kind: 'log', level: 'warn', message: `${w.path}: ${w.message}` });
  return plan;
}
