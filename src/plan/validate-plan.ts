import { isAbsolute, resolve } from 'node:path';
import type { ValidationProblem } from '../core/errors.js';
import { formatPath, zodProblems } from '../core/validation.js';
import { monitoringPorts } from '../monitoring/monitoring-ports.js';
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

/** What the Plan is checked against: the machine as it is. Gathered by the caller so this stays pure. */
export interface PlanContext {
  /** Directory relative model paths are resolved against. */
  planDir: string;
  /** 'file' | 'dir' | undefined (missing) for a path on the host. */
  statPath: (path: string) => 'file' | 'dir' | undefined;
  /** NVIDIA GPU indexes present on this machine (empty when none). */
  gpuIndexes: number[];
  /** Host ports already taken by something other than this deployment. */
  takenPorts: ReadonlySet<number>;
}

/** Validates a parsed Plan document: schema, then cross-field rules. Every problem is collected, none thrown. */
export function validatePlan(doc: unknown, ctx: PlanContext): PlanValidation {
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

  checkCrossFields(engines, top.success ? top.data.gateway : undefined, ctx, problems, warnings);
  if (top.success && top.data.monitoring) checkMonitoringPorts(top.data, engines, ctx, problems);
  if (!top.success || problems.length > 0) return { problems, warnings };

  const resolved = engines.map(({ entry: e }) =>
    isContainerEntry(e) ? { ...e, model: resolveModelPath(e.model, ctx.planDir) } : e,
  );
  const plan: Plan = { ...top.data, engines: resolved, sourceDir: ctx.planDir } as Plan;
  return { plan, problems, warnings };
}

export function resolveModelPath(model: string, planDir: string): string {
  return isAbsolute(model) ? model : resolve(planDir, model);
}

function checkCrossFields(
  engines: { entry: EngineEntry; index: number }[],
  gateway: Plan['gateway'],
  ctx: PlanContext,
  problems: ValidationProblem[],
  warnings: ValidationProblem[],
): void {
  const names = new Map<string, number>();
  const ports = new Map<number, string>();
  if (gateway?.enabled) {
    ports.set(gateway.port, 'gateway.port');
    if (ctx.takenPorts.has(gateway.port)) {
      problems.push({
        path: 'gateway.port',
        message: `port ${gateway.port} is already in use on this machine by another program; pick a free port`,
      });
    }
  }

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
    else if (ctx.takenPorts.has(entry.port)) {
      problems.push({
        path: `${at}.port`,
        message: `port ${entry.port} is already in use on this machine by another program; pick a free port`,
      });
    }
    ports.set(entry.port, `${at}.port`);

    const modelPath = resolveModelPath(entry.model, ctx.planDir);
    const kind = ctx.statPath(modelPath);
    if (kind === undefined)
      problems.push({ path: `${at}.model`, message: `model file not found: ${modelPath}` });
    else if (entry.engine === 'llama.cpp' && kind !== 'file') {
      problems.push({
        path: `${at}.model`,
        message: `llama.cpp needs a GGUF file, but ${modelPath} is a directory`,
      });
    }

    checkGpus(entry.gpus, ctx.gpuIndexes, `${at}.gpus`, problems);
    if (entry.engine === 'vllm') {
      const count = entry.gpus === 'all' ? ctx.gpuIndexes.length : entry.gpus.length;
      if (count === 0) problems.push({ path: `${at}.gpus`, message: 'vLLM needs at least one NVIDIA GPU' });
      if (entry.tensorParallel && count > 0 && entry.tensorParallel > count) {
        problems.push({
          path: `${at}.tensorParallel`,
          message: `tensor parallel size ${entry.tensorParallel} exceeds the ${count} GPU(s) assigned`,
        });
      }
    }
    if (entry.engine === 'llama.cpp' && entry.contextLength % entry.parallel !== 0) {
      warnings.push({
        path: `${at}.contextLength`,
        message: `${entry.contextLength} is not a multiple of parallel=${entry.parallel}; each slot gets ${Math.floor(entry.contextLength / entry.parallel)} tokens`,
      });
    }
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

function checkGpus(
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
  if (new Set(gpus).size !== gpus.length) problems.push({ path, message: 'lists the same GPU twice' });
}

/** Monitoring's ports must clash with nothing in the Plan nor with another program on this machine. */
function checkMonitoringPorts(
  doc: { gateway?: Plan['gateway']; monitoring?: Plan['monitoring'] },
  engines: { entry: EngineEntry; index: number }[],
  ctx: PlanContext,
  problems: ValidationProblem[],
): void {
  const used = new Map<number, string>();
  if (doc.gateway?.enabled) used.set(doc.gateway.port, 'gateway.port');
  for (const { entry, index } of engines)
    if (isContainerEntry(entry)) used.set(entry.port, `engines[${index}].port`);
  for (const { path, port } of monitoringPorts(doc.monitoring!, ctx.gpuIndexes.length > 0)) {
    const other = used.get(port);
    if (other) problems.push({ path, message: `port ${port} is also used by ${other}` });
    else if (ctx.takenPorts.has(port)) {
      problems.push({
        path,
        message: `port ${port} is already in use on this machine by another program; pick a free port`,
      });
    }
    used.set(port, path);
  }
}
