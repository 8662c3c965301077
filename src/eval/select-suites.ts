import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { OpsError } from '../core/errors.js';
import { loadAgenticTasks } from './agentic-tasks.js';
import { loadBuiltinSuite } from './builtin-suite.js';
import { loadExerciseDirSuite } from './loaders/exercise-dir-suite.js';
import { loadJsonlSuite } from './loaders/jsonl-suite.js';
import type { AgenticTask, CodeTask } from './types.js';

/**
 * A suite chosen on the command line: code tasks to grade in the sandbox, the tool-use scenarios, or the agentic
 * repositories Claude Code fixes in the sandbox.
 */
export type SelectedSuite =
  | { kind: 'code'; name: string; tasks: CodeTask[]; skipped: { id: string; reason: string }[] }
  | { kind: 'tools'; name: 'tools'; limit?: number }
  | { kind: 'agentic'; name: 'agentic'; tasks: AgenticTask[] };

/**
 * `--suite` values: `builtin`, `tools`, `agentic`, a HumanEval/MBPP-style `.jsonl` file, or an exercise directory. Bands and
 * a per-suite limit narrow the code suites (a quick look, `ops setup`'s short run).
 */
export function selectSuites(
  names: string[],
  filter: { bands?: string[]; limit?: number } = {},
): SelectedSuite[] {
  return names.map((name): SelectedSuite => {
    if (name === 'tools')
      return { kind: 'tools', name: 'tools', ...(filter.limit !== undefined ? { limit: filter.limit } : {}) };
    if (name === 'agentic') {
      let tasks = loadAgenticTasks();
      if (filter.bands?.length) tasks = tasks.filter((t) => filter.bands!.includes(t.band));
      if (filter.limit !== undefined) tasks = spread(tasks, filter.limit);
      if (tasks.length === 0)
        throw new OpsError('no tasks of suite agentic match', {
          exitCode: 2,
          hint: 'check --band and --limit',
        });
      return { kind: 'agentic', name, tasks };
    }
    if (name === 'builtin')
      return narrow({ kind: 'code', name, tasks: loadBuiltinSuite(), skipped: [] }, filter);
    const path = resolve(name);
    if (!existsSync(path)) {
      throw new OpsError(`unknown suite ${name}`, {
        exitCode: 2,
        hint: 'use builtin, tools, agentic, a .jsonl file (HumanEval/MBPP style) or an exercise directory (polyglot style)',
      });
    }
    if (statSync(path).isDirectory()) {
      const { tasks, skipped } = loadExerciseDirSuite(path);
      return narrow({ kind: 'code', name: basename(path), tasks, skipped }, filter);
    }
    const tasks = loadJsonlSuite(path);
    return narrow({ kind: 'code', name: tasks[0]?.suite ?? basename(path), tasks, skipped: [] }, filter);
  });
}

function narrow(
  suite: Extract<SelectedSuite, { kind: 'code' }>,
  filter: { bands?: string[]; limit?: number },
): SelectedSuite {
  let tasks = suite.tasks;
  if (filter.bands?.length) tasks = tasks.filter((t) => t.band && filter.bands!.includes(t.band));
  if (filter.limit !== undefined) tasks = spread(tasks, filter.limit);
  if (tasks.length === 0) {
    throw new OpsError(`no tasks of suite ${suite.name} match`, {
      exitCode: 2,
      hint: 'check --band and --limit',
    });
  }
  return { ...suite, tasks };
}

/** `limit` tasks spread evenly over the suite, so a short run still covers every band and language. */
export function spread<T>(items: T[], limit: number): T[] {
  if (limit >= items.length) return items;
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);
}
