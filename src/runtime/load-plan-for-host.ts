import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OpsError, ValidationError, type ValidationProblem } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { LABEL } from '../core/labels.js';
import type { StateDir } from '../core/state-dir.js';
import { detectGpuIndexes } from '../detect/gpu-indexes.js';
import { planFootprint, readPlanDocument } from '../plan/load-plan.js';
import { planFileToUse } from '../plan/plan-store.js';
import type { Plan } from '../plan/types.js';
import { checkPlanOnHost, type HostFacts, validatePlan } from '../plan/validate-plan.js';
import { StoreModelLocator } from '../store/model-locator.js';
import type { ContainerRuntime } from './container-runtime.js';
import { takenPorts } from './port-check.js';

/** 'file' | 'dir' | undefined for a path on this machine. */
export function statHostPath(path: string): 'file' | 'dir' | undefined {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/**
 * Reads a Plan and checks it against this machine (GPUs, free ports, model files through the store's locator) —
 * what `up` and `setup` do before acting, and only they. A port held by this deployment's own containers is not a
 * clash (`up` reuses or replaces them). With `pull`, hub models the Plan names and the store lacks are fetched
 * first (the user consented); built-in smoke models are always written when missing. Warnings go to the bus.
 */
export async function loadPlanForHost(
  ctx: { state: StateDir; bus: EventBus },
  file: string | undefined,
  runtime?: ContainerRuntime,
  options: { pull?: boolean } = {},
): Promise<Plan> {
  const path = planFileToUse(ctx.state, file);
  if (!path) {
    throw new OpsError('no Plan given and no current Plan in the state directory', {
      hint: 'pass --plan FILE (see "The Plan" in README.md), or run `ops plan --write` to generate one',
      exitCode: 2,
    });
  }
  const doc = readPlanDocument(path);
  const read = validatePlan(doc, { planDir: dirname(resolve(path)) });
  for (const w of read.warnings)
    ctx.bus.emit({ kind: 'log', level: 'warn', message: `${w.path}: ${w.message}` });
  // A Plan with problems of its own is still checked on this host, so one report lists every problem at once.
  const plan = read.plan ?? read.partial?.plan;
  if (!plan) throw invalid(path, read.problems);

  const locator = new StoreModelLocator(ctx.state);
  // Models are fetched or written only for a Plan with no problems of its own.
  for (const entry of read.plan?.engines ?? []) {
    if (!('model' in entry)) continue;
    const found = locator.locate(entry.model, plan.sourceDir);
    if (!found.found && found.creatable) {
      await locator
        .ensure(entry.model, { planDir: plan.sourceDir, pull: options.pull ?? false, bus: ctx.bus })
        .catch((error: unknown) => {
          // Not consented or not fetchable: the host check below reports it with the command to type.
          if (!(error instanceof OpsError)) throw error;
        });
    }
  }

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
  const host: HostFacts = {
    locateModel: (model, planDir) => {
      try {
        return locator.locate(model, planDir);
      } catch (error) {
        // A malformed reference is already a problem of the Plan's own; nothing more to say about it here.
        if (error instanceof ValidationError) return { found: true, path: model };
        throw error;
      }
    },
    statPath: statHostPath,
    gpuIndexes: await detectGpuIndexes(),
    takenPorts: new Set([...(await takenPorts(footprint.ports))].filter((p) => !ownPorts.has(p))),
  };
  const problems = [...read.problems, ...checkPlanOnHost(plan, host, read.partial?.entryIndexes)];
  if (problems.length > 0 || !read.plan) throw invalid(path, problems);
  return read.plan;
}

function invalid(path: string, problems: ValidationProblem[]): ValidationError {
  return new ValidationError(resolve(path), problems, {
    hint: 'nothing was started or changed; fix the fields above (or fetch what is missing) and run the command again',
  });
}
