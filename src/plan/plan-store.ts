import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { StateDir } from '../core/state-dir.js';
import type { Plan } from './types.js';

/**
 * Keeps the Plan that was last brought up in the state dir (model paths absolute), and the one before it, so
 * status/down/logs know the deployment and upgrades can diff and roll back.
 */
export function saveCurrentPlan(state: StateDir, plan: Plan): void {
  const { sourceDir: _sourceDir, ...doc } = plan;
  const text = `# Written by ops up; the Plan that runs now.\n${stringify(doc)}`;
  if (existsSync(state.planFile)) {
    // The same Plan again changes nothing, not even the previous one that rollback returns to.
    if (readFileSync(state.planFile, 'utf8') === text) return;
    copyFileSync(state.planFile, state.previousPlanFile);
  }
  writeFileAtomic(state.planFile, text);
}

/** The Plan file to use: the one given, else the current one in the state dir (undefined when none). */
export function planFileToUse(state: StateDir, given: string | undefined): string | undefined {
  if (given) return given;
  return existsSync(state.planFile) ? state.planFile : undefined;
}
