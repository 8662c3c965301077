import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { readYamlFile } from '../core/read-yaml-file.js';
import { zodProblems } from '../core/validation.js';
import type { CodeTask } from './types.js';

/** eval/tasks/, found relative to this file so it works from any working directory. */
export const BUILTIN_TASKS_DIR = join(
  fileURLToPath(new URL('.', import.meta.url)),
  '..',
  '..',
  'eval',
  'tasks',
);
export const BUILTIN_SUITE_FILES = ['python.yaml', 'typescript.yaml'];
export const BANDS = ['easy', 'medium', 'hard'] as const;

const taskFileSchema = z.object({
  language: z.enum(['python', 'typescript']),
  tasks: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and hyphens'),
        band: z.enum(BANDS),
        entry: z.string().min(1),
        prompt: z.string().min(1),
        tests: z.string().min(1),
        reference: z.string().min(1),
      }),
    )
    .min(1),
});

/** The project's own suite: every task file of eval/tasks, checked, ids unique across files. */
export function loadBuiltinSuite(dir: string = BUILTIN_TASKS_DIR): CodeTask[] {
  const tasks: CodeTask[] = [];
  for (const name of BUILTIN_SUITE_FILES) {
    const file = join(dir, name);
    const parsed = taskFileSchema.safeParse(
      readYamlFile(file, 'eval task file', 'the built-in tasks ship in eval/tasks/'),
    );
    if (!parsed.success) throw new ValidationError(file, zodProblems(parsed.error));
    for (const t of parsed.data.tasks) {
      tasks.push({ ...t, suite: 'builtin', language: parsed.data.language, testStyle: 'module' });
    }
  }
  const seen = new Set<string>();
  const duplicates = tasks.filter((t) => seen.size === seen.add(t.id).size);
  if (duplicates.length > 0) {
    throw new ValidationError(
      dir,
      duplicates.map((t) => ({ path: t.id, message: 'task id used twice' })),
    );
  }
  return tasks;
}
