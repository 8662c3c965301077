import { isAbsolute, resolve } from 'node:path';
import { ValidationError, type ValidationProblem } from '../core/errors.js';
import { formatPath, zodProblems } from '../core/validation.js';
import { monitoringPorts } from '../monitoring/monitoring-ports.js';
import { isModelReference, type LocateResult, parseModelLocation } from '../store/model-location.js';
import {
  ENGINE_KINDS,
  type EngineEntry,
  type EngineKind,
  engineEntrySchemas,
  isContainerEntry,
  type Plan,
  type PlanValidation,
  planSchema,
} from './types.js';

/** What reading a Plan needs: only where relative model paths are resolved from. Nothing about this machine. */
export interface PlanReadContext {
  /** Directory relative model paths are resolved against. */
  planDir: string;
}

/**
 * What a Plan is checked against before anything acts on it (`up`, `setup`): the machine as it is. Gathered by
 * the caller so the check stays pure.
 */
export interface HostFacts {
  /** Where a Plan's `model` value is on this machine (the store's model locator), or why it is not. */
  locateModel: (model: string, planDir: string) => LocateResult;
  /** 'file' | 'dir' | undefined (missing) for a path on the host. */
  statPath: (path: string) => 'file' | 'dir' | undefined;
  /** NVIDIA GPU indexes present on this machine (empty when none). */
  gpuIndexes: number[];
  /** Host ports already taken by something other than this deployment. */
  takenPorts: ReadonlySet<number>;
}

/**
 * Reads a parsed Plan document: schema, then the Plan's own cross-field rules. Asks nothing of this machine, so
 * `status`, `report`, `upgrade-models --check` and the gateway read a Plan written for any hardware; checking it
 * against the host is `checkPlanOnHost`. Every problem is collected, none thrown.
 */
export function validatePlan(doc: unknown, ctx: PlanReadContext): PlanValidation {
  const problems: ValidationProblem[] = [];
  const warnings: ValidationProblem[] = [];
  const top = planSchema.safeParse(doc);
  if (!top.success) problems.push(...zodProblems(top.error));
  const rawEngines: unknown[] = Array.isArray((doc as { engines?: unknown })?.engines)
    ? (doc as { engines: unknown[] }).engines
    : [];

  // Each parsed entry keeps its index in the file, so cross-field problems point at the right line.
  const engines: { entry: EngineEntry; index: number }[] = [];
  rawEngines.forEach((raw, i) => {
    const at = `engines[${i}]`;
    const kind = (raw as { engine?: unknown } | null)?.engine;
    if (!ENGINE_KINDS.includes(kind as EngineKind)) {
      problems.push({
        path: `${at}.engine`,
        message:
          kind === undefined
            ? `missing; expected one of ${ENGINE_KINDS.join(', ')}`
            : `unknown engine ${JSON.stringify(kind)}; expected one of ${ENGINE_KINDS.join(', ')}`,
      });
      return;
    }
    const parsed = engineEntrySchemas[kind as EngineKind].safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({
          path: `${at}${issue.path.length ? `.${formatPath(issue.path)}` : ''}`,
          message: issue.message,
        });
      }
      return;
    }
    engines.push({ entry: parsed.data as EngineEntry, index: i });
  });

  checkCrossFields(engines, top.success ? top.data.gateway : undefined, problems, warnings);
  if (top.success && top.data.monitoring) {
    const nvidia = engines.some(
      ({ entry }) => isContainerEntry(entry) && entry.gpus !== 'all' && entry.gpus.length > 0,
    );
    checkMonitoringPorts(top.data, engines, nvidia, new Set(), problems);
  }
  if (!top.success) return { problems, warnings };

  const resolved = engines.map(({ entry: e }) =>
    isContainerEntry(e) && !isModelReference(e.model)
      ? { ...e, model: resolveModelPath(e.model, ctx.planDir) }
      : e,
  );
  const plan: Plan = { ...top.data, engines: resolved, sourceDir: ctx.planDir } as Plan;
  if (problems.length > 0)
    return { problems, warnings, partial: { plan, entryIndexes: engines.map((e) => e.index) } };
  return { plan, problems, warnings };
}

export function resolveModelPath(model: string, planDir: string): string {
  return isAbsolute(model) ? model : resolve(planDir, model);
}

function checkCrossFields(
  engines: { entry: EngineEntry; index: number }[],
  gateway: Plan['gateway'],
  problems: ValidationProblem[],
  warnings: ValidationProblem[],
): void {
  const names = new Map<string, number>();
  const ports = new Map<number, string>();
  if (gateway?.enabled) ports.set(gateway.port, 'gateway.port');

  for (const { entry, index: i } of engines) {
    const at = `engines[${i}]`;
    const seen = names.get(entry.name);
    if (seen !== undefined)
      problems.push({ path: `${at}.name`, message: `"${entry.name}" is already used by engines[${seen}]` });
    names.set(entry.name, i);
    if (entry.name === 'gateway') {
      problems.push({
        path: `${at}.name`,
        message: '"gateway" is reserved for the gateway container; pick another name',
      });
    }
    if (!isContainerEntry(entry)) continue;

    const other = ports.get(entry.port);
    if (other) problems.push({ path: `${at}.port`, message: `port ${entry.port} is also used by ${other}` });
    ports.set(entry.port, `${at}.port`);

    if (isModelReference(entry.model)) {
      try {
        parseModelLocation(entry.model, `${at}.model`);
      } catch (error) {
        if (error instanceof ValidationError) problems.push(...error.problems);
        else throw error;
      }
    }
    if (entry.gpus !== 'all') {
      if (new Set(entry.gpus).size !== entry.gpus.length)
        problems.push({ path: `${at}.gpus`, message: 'lists the same GPU twice' });
      if (entry.engine === 'vllm') {
        if (entry.gpus.length === 0)
          problems.push({ path: `${at}.gpus`, message: 'vLLM needs at least one NVIDIA GPU' });
        if (entry.tensorParallel && entry.gpus.length > 0 && entry.tensorParallel > entry.gpus.length) {
          problems.push({
            path: `${at}.tensorParallel`,
            message: `tensor parallel size ${entry.tensorParallel} exceeds the ${entry.gpus.length} GPU(s) assigned`,
          });
        }
      }
    }
    if (entry.engine === 'llama.cpp' && entry.contextLength % entry.parallel !== 0) {
      warnings.push({
        path: `${at}.contextLength`,
        message: `${entry.contextLength} is not a multiple of parallel=${entry.parallel}; each slot gets ${Math.floor(entry.contextLength / entry.parallel)} tokens`,
      });
    }
  }

  // A data-parallel copy names an entry that runs the same model on the same engine and is not a copy itself.
  for (const { entry, index } of engines) {
    if (!isContainerEntry(entry) || entry.replicaOf === undefined) continue;
    const at = `engines[${index}].replicaOf`;
    const first = engines.find((e) => e.entry.name === entry.replicaOf)?.entry;
    if (!first || !isContainerEntry(first))
      problems.push({ path: at, message: `"${entry.replicaOf}" is not an engine ops runs in this Plan` });
    else if (first.replicaOf !== undefined)
      problems.push({
        path: at,
        message: `"${first.name}" is itself a copy of "${first.replicaOf}"; name that one`,
      });
    else if (first.engine !== entry.engine || first.model !== entry.model)
      problems.push({
        path: at,
        message: `a copy runs the same engine and model as "${first.name}" (${first.engine} ${first.model}), not ${entry.engine} ${entry.model}`,
      });
  }

  if (gateway) {
    for (const [alias, target] of Object.entries(gateway.aliases)) {
      if (!names.has(target)) {
        problems.push({
          path: `gateway.aliases.${alias}`,
          message: `points to "${target}", which is not an engine name`,
        });
      }
    }
  }
}

function checkGpusOnHost(
  gpus: 'all' | number[],
  available: number[],
  path: string,
  problems: ValidationProblem[],
): void {
  if (gpus === 'all') {
    if (available.length === 0)
      problems.push({ path, message: 'GPUs requested ("all") but this machine has no NVIDIA GPU' });
    return;
  }
  if (gpus.length > 0 && available.length === 0) {
    problems.push({
      path,
      message: `GPU ${gpus.join(', ')} requested but this machine has no NVIDIA GPU; use gpus: [] to run on the CPU`,
    });
    return;
  }
  const missing = gpus.filter((g) => !available.includes(g));
  if (missing.length > 0) {
    problems.push({
      path,
      message: `GPU ${missing.join(', ')} not present; this machine has GPU ${available.join(', ')}`,
    });
  }
}

/**
 * Checks a read Plan against this machine before `up` or `setup` act on it: the GPUs it asks for exist, its ports
 * are free (but for this deployment's own containers), and every model resolves to a file (with the command that
 * fetches one that does not). Pure over the HostFacts; every problem collected.
 */
export function checkPlanOnHost(
  plan: Plan,
  host: HostFacts,
  entryIndexes?: readonly number[],
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const taken = (port: number, path: string) => {
    if (host.takenPorts.has(port))
      problems.push({
        path,
        message: `port ${port} is already in use on this machine by another program; pick a free port`,
      });
  };
  if (plan.gateway?.enabled) taken(plan.gateway.port, 'gateway.port');
  plan.engines.forEach((entry, i) => {
    const at = `engines[${entryIndexes?.[i] ?? i}]`;
    if (!isContainerEntry(entry)) return;
    taken(entry.port, `${at}.port`);
    const found = host.locateModel(entry.model, plan.sourceDir ?? '');
    if (!found.found) {
      problems.push({
        path: `${at}.model`,
        message: found.command ? `${found.reason}; get it with: ${found.command}` : found.reason,
      });
    } else if (entry.engine === 'llama.cpp' && host.statPath(found.path) === 'dir') {
      problems.push({
        path: `${at}.model`,
        message: `llama.cpp needs a GGUF file, but ${found.path} is a directory`,
      });
    }
    checkGpusOnHost(entry.gpus, host.gpuIndexes, `${at}.gpus`, problems);
    if (entry.engine === 'vllm' && entry.gpus === 'all') {
      const count = host.gpuIndexes.length;
      if (entry.tensorParallel && count > 0 && entry.tensorParallel > count) {
        problems.push({
          path: `${at}.tensorParallel`,
          message: `tensor parallel size ${entry.tensorParallel} exceeds the ${count} GPU(s) of this machine`,
        });
      }
    }
  });
  if (plan.monitoring) {
    const engines = plan.engines.map((entry, index) => ({ entry, index }));
    checkMonitoringPorts(plan, engines, host.gpuIndexes.length > 0, host.takenPorts, problems);
  }
  return problems;
}

/** Monitoring's ports must clash with nothing in the Plan nor with another program on this machine. */
function checkMonitoringPorts(
  doc: { gateway?: Plan['gateway']; monitoring?: Plan['monitoring'] },
  engines: { entry: EngineEntry; index: number }[],
  nvidia: boolean,
  takenPorts: ReadonlySet<number>,
  problems: ValidationProblem[],
): void {
  const used = new Map<number, string>();
  if (doc.gateway?.enabled) used.set(doc.gateway.port, 'gateway.port');
  for (const { entry, index } of engines)
    if (isContainerEntry(entry)) used.set(entry.port, `engines[${index}].port`);
  for (const { path, port } of monitoringPorts(doc.monitoring!, nvidia)) {
    const other = used.get(port);
    if (other) problems.push({ path, message: `port ${port} is also used by ${other}` });
    else if (takenPorts.has(port)) {
      problems.push({
        path,
        message: `port ${port} is already in use on this machine by another program; pick a free port`,
      });
    }
    used.set(port, path);
  }
}
