import { existsSync } from 'node:fs';
import { OpsError } from '../core/errors.js';
import type { StateDir } from '../core/state-dir.js';
import { readPlanDocument } from '../plan/load-plan.js';
import { StoreModelLocator } from '../store/model-locator.js';

/** An engine of the current Plan as `ops bench` needs it: name, model file, context, slots, GPUs. */
export interface BenchEngineEntry {
  name: string;
  engine: string;
  /** The model file to read tensor sizes from, found by the model locator (absent when it is not there). */
  model?: string;
  /** The model as the Plan names it (a path or a store reference): the key measurements are stored under. */
  modelRef?: string;
  contextLength: number;
  parallel: number;
  gpus: 'all' | number[];
}

/**
 * The gateway URL and the engines to measure, from the current Plan (read as a document: measuring the running
 * deployment needs no host checks). `only` narrows to the named engines.
 */
export function benchTargets(
  state: StateDir,
  options: { gateway?: string; only?: string[] },
): { gatewayUrl: string; engines: BenchEngineEntry[] } {
  if (!existsSync(state.planFile)) {
    throw new OpsError('no deployment to measure', {
      exitCode: 2,
      hint: 'bring one up first: ops up PLAN.yaml',
    });
  }
  const plan = readPlanDocument(state.planFile) as {
    engines?: Partial<BenchEngineEntry>[];
    gateway?: { host?: string; port?: number };
  };
  const host = plan.gateway?.host && plan.gateway.host !== '0.0.0.0' ? plan.gateway.host : '127.0.0.1';
  const gatewayUrl = options.gateway ?? `http://${host}:${plan.gateway?.port ?? 8080}`;
  const locator = new StoreModelLocator(state);
  const engines = (plan.engines ?? [])
    .filter((e): e is BenchEngineEntry => typeof e.name === 'string' && typeof e.contextLength === 'number')
    .map((e) => ({
      ...e,
      parallel: e.parallel ?? 1,
      gpus: e.gpus ?? [],
      ...(e.model ? { modelRef: e.model, ...modelFile(locator, e.model, state.root) } : {}),
    }))
    .filter((e) => !options.only?.length || options.only.includes(e.name));
  if (engines.length === 0) {
    throw new OpsError(`no engine ${options.only?.join(', ') ?? ''} in the current Plan`, {
      exitCode: 2,
      hint: 'see ops status for the engine names',
    });
  }
  return { gatewayUrl, engines };
}

/** A Plan model (a path relative to the current Plan, or a store reference) as a file, through the one locator. */
function modelFile(locator: StoreModelLocator, model: string, planDir: string): { model?: string } {
  try {
    const found = locator.locate(model, planDir);
    return found.found ? { model: found.path } : {};
  } catch {
    // A reference the locator cannot read: the engine is still measured, without the roofline beside it.
    return {};
  }
}
