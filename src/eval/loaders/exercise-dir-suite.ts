import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OpsError } from '../../core/errors.js';
import type { CodeTask } from '../types.js';

export interface ExerciseSuite {
  tasks: CodeTask[];
  /** Exercises found but not runnable in the sandbox (other languages), with the reason. */
  skipped: { id: string; reason: string }[];
}

/**
 * Reads an exercise directory laid out like aider's polyglot benchmark (Exercism tracks):
 * `<root>/<language>/exercises/practice/<slug>/` with `.docs/instructions.md` (+ `instructions.append.md`),
 * `.meta/config.json` naming `files.solution`, `files.test`, `files.example`, and the stub solution file.
 * Python exercises run with `python3 -m unittest` in the sandbox; other languages are listed as skipped (the
 * sandbox image carries no Go, Rust, Java or C++ toolchain, and no npm for jest).
 */
export function loadExerciseDirSuite(root: string): ExerciseSuite {
  if (!existsSync(root)) {
    throw new OpsError(`no exercise directory at ${root}`, {
      exitCode: 2,
      hint: 'give the root of a polyglot-style checkout (it holds <language>/exercises/practice/<slug>/)',
    });
  }
  const suite = basename(root);
  const tasks: CodeTask[] = [];
  const skipped: ExerciseSuite['skipped'] = [];
  for (const language of readdirSync(root).sort()) {
    const practice = join(root, language, 'exercises', 'practice');
    if (!existsSync(practice)) continue;
    for (const slug of readdirSync(practice).sort()) {
      const id = `${language}/${slug}`;
      if (language !== 'python') {
        skipped.push({ id, reason: `no ${language} toolchain in the sandbox image` });
        continue;
      }
      const task = readPythonExercise(join(practice, slug), id, suite);
      if (typeof task === 'string') skipped.push({ id, reason: task });
      else tasks.push(task);
    }
  }
  if (tasks.length === 0 && skipped.length === 0) {
    throw new OpsError(`no exercises under ${root}`, {
      exitCode: 2,
      hint: 'expected <language>/exercises/practice/<slug>/ directories',
    });
  }
  return { tasks, skipped };
}

function readPythonExercise(dir: string, id: string, suite: string): CodeTask | string {
  let config: { files?: { solution?: string[]; test?: string[]; example?: string[] } };
  try {
    config = JSON.parse(readFileSync(join(dir, '.meta', 'config.json'), 'utf8'));
  } catch {
    return 'no readable .meta/config.json';
  }
  const solution = config.files?.solution?.[0];
  const test = config.files?.test?.[0];
  if (!solution || !test) return '.meta/config.json names no solution or test file';
  const read = (name: string) => {
    const path = join(dir, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  };
  const instructions = [read('.docs/instructions.md'), read('.docs/instructions.append.md')]
    .filter(Boolean)
    .join('\n\n');
  const tests = read(test);
  if (!instructions || !tests) return 'missing .docs/instructions.md or the test file';
  const stub = read(solution);
  const example = config.files?.example?.[0];
  const reference = example ? read(example) : undefined;
  return {
    id,
    suite,
    language: 'python',
    entry: solution.replace(/\.py$/, ''),
    prompt: instructions,
    testStyle: 'unittest',
    tests,
    files: { solution, test },
    ...(stub ? { codePrefix: stub } : {}),
    ...(reference ? { reference } : {}),
  };
}
