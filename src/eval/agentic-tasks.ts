import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { readYamlFile } from '../core/read-yaml-file.js';
import { zodProblems } from '../core/validation.js';
import { BANDS } from './builtin-suite.js';
import type { AgenticTask, FixEdit } from './types.js';

/** eval/agentic/, one directory per task: `task.yaml` and the repository under `repo/`. */
export const AGENTIC_TASKS_DIR = join(
  fileURLToPath(new URL('.', import.meta.url)),
  '..',
  '..',
  'eval',
  'agentic',
);

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a path inside the repository');

const taskSchema = z.object({
  language: z.enum(['python', 'typescript']),
  band: z.enum(BANDS),
  prompt: z.string().min(1),
  test: z.array(z.string().min(1)).min(1),
  tests: z.array(relativePath).min(1),
  fix: z.array(z.object({ file: relativePath, old: z.string().min(1), new: z.string() })).min(1),
});

/** The agentic tasks: every directory of eval/agentic, checked (the fix applies, the test files exist). */
export function loadAgenticTasks(dir: string = AGENTIC_TASKS_DIR): AgenticTask[] {
  const tasks: AgenticTask[] = [];
  for (const id of readdirSync(dir).sort()) {
    const taskDir = join(dir, id);
    if (!statSync(taskDir).isDirectory()) continue;
    const file = join(taskDir, 'task.yaml');
    const parsed = taskSchema.safeParse(
      readYamlFile(file, 'agentic task', 'each eval/agentic/<task>/ holds task.yaml and repo/'),
    );
    if (!parsed.success) throw new ValidationError(file, zodProblems(parsed.error));
    const repo = join(taskDir, 'repo');
    const files = existsSync(repo) ? readTree(repo) : {};
    const problems = [
      ...parsed.data.tests
        .filter((t) => files[t] === undefined)
        .map((t) => ({ path: 'tests', message: `${t} is not in repo/` })),
      ...parsed.data.fix
        .filter((e) => !files[e.file]?.includes(e.old))
        .map((e) => ({ path: 'fix', message: `${e.file} does not contain the text the fix replaces` })),
    ];
    if (problems.length > 0) throw new ValidationError(file, problems);
    tasks.push({ id, suite: 'agentic', ...parsed.data, files });
  }
  return tasks;
}

/** The repository with a fix applied (pure): what a correct agent leaves behind. */
export function applyFix(files: Record<string, string>, fix: FixEdit[]): Record<string, string> {
  const out = { ...files };
  for (const edit of fix) out[edit.file] = (out[edit.file] ?? '').replace(edit.old, () => edit.new);
  return out;
}

/** The files to test after an agent's run (pure): its repository with the task's test files restored. */
export function filesToGrade(task: AgenticTask, after: Record<string, string>): Record<string, string> {
  const out = { ...after };
  for (const path of task.tests) out[path] = task.files[path]!;
  return out;
}

function readTree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files[relative(root, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  return files;
}
