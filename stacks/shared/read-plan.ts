import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { ValidationError } from '../../src/core/errors.js';
import type { Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate-plan.js';

/**
 * Reads and validates a Plan for a remote target. Model paths live on the cluster's nodes or in its model cache,
 * not here, so they are taken as present; ports are not checked against this machine.
 */
export function readPlanForRemote(file: string): Plan {
  const absolute = resolve(file);
  const doc: unknown = parse(readFileSync(absolute, 'utf8'));
  // Reading only: GPUs, ports and model files belong to the cluster's nodes, never checked against this machine.
  const result = validatePlan(doc, { planDir: dirname(absolute) });
  if (!result.plan) throw new ValidationError(absolute, result.problems);
  return result.plan;
}
