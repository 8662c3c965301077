import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { ValidationError } from '../../src/core/errors.js';
import type { Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate-plan.js';

/** Every GPU index a node may have: cluster GPUs are not this machine's, so the Plan is not checked against it. */
const ANY_GPU_INDEX = Array.from({ length: 64 }, (_, i) => i);

/**
 * Reads and validates a Plan for a remote target. Model paths live on the cluster's nodes or in its model cache,
 * not here, so they are taken as present; ports are not checked against this machine.
 */
export function readPlanForRemote(file: string): Plan {
  const absolute = resolve(file);
  const doc: unknown = parse(readFileSync(absolute, 'utf8'));
  const result = validatePlan(doc, {
    planDir: dirname(absolute),
    gpuIndexes: ANY_GPU_INDEX,
    takenPorts: new Set(),
    statPath: (path) => (path.endsWith('.gguf') ? 'file' : 'dir'),
  });
  if (!result.plan) throw new ValidationError(absolute, result.problems);
  return result.plan;
}
