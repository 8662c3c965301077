import { dirname, resolve } from 'node:path';
import { ValidationError } from '../core/errors.js';
import { readYamlFile } from '../core/read-yaml-file.js';
import { monitoringPorts } from '../monitoring/monitoring-ports.js';
import { monitoringSchema, type Plan, type PlanValidation } from './types.js';
import { validatePlan } from './validate-plan.js';

export type { PlanValidation } from './types.js';

/** Reads a Plan YAML file and parses it; YAML syntax errors are reported with line and column. */
export function readPlanDocument(file: string): unknown {
  return readYamlFile(
    file,
    'Plan file',
    'pass an existing file with --plan FILE; the Plan format is described in README.md ("The Plan")',
  );
}

/**
 * What the host checks need to know before validating: the deployment name and the ports the Plan wants,
 * read leniently from the raw document (a broken entry is simply skipped; validation reports it).
 */
export function planFootprint(doc: unknown): { deployment: string; ports: { port: number; host: string }[] } {
  const d = (doc ?? {}) as {
    deployment?: unknown;
    engines?: unknown;
    gateway?: { port?: unknown; host?: unknown };
  };
  const deployment = typeof d.deployment === 'string' ? d.deployment : 'default';
  const ports = (Array.isArray(d.engines) ? d.engines : []).flatMap(
    (e: { port?: unknown; host?: unknown }) =>
      typeof e?.port === 'number'
        ? [{ port: e.port, host: typeof e.host === 'string' ? e.host : '127.0.0.1' }]
        : [],
  );
  if (d.gateway && typeof d.gateway === 'object') {
    const host = typeof d.gateway.host === 'string' ? d.gateway.host : '127.0.0.1';
    ports.push({ port: typeof d.gateway.port === 'number' ? d.gateway.port : 8080, host });
  }
  const monitoring = monitoringSchema.safeParse((doc as { monitoring?: unknown } | null)?.monitoring);
  if (monitoring.success && monitoring.data) {
    for (const { port, host } of monitoringPorts(monitoring.data, true)) ports.push({ port, host });
  }
  return { deployment, ports };
}

/**
 * Reads a Plan file (or its already-parsed document) and checks its own rules; nothing about this machine is
 * asked (see checkPlanOnHost for that). Throws one ValidationError listing every problem.
 */
export function readPlan(
  file: string,
  doc: unknown = readPlanDocument(resolve(file)),
): { plan: Plan; warnings: PlanValidation['warnings'] } {
  const absolute = resolve(file);
  const result = validatePlan(doc, { planDir: dirname(absolute) });
  if (!result.plan) {
    throw new ValidationError(absolute, result.problems, {
      hint: 'nothing was started or changed; fix the fields above and run the command again',
    });
  }
  return { plan: result.plan, warnings: result.warnings };
}
