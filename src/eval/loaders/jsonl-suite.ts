import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { OpsError, ValidationError, type ValidationProblem } from '../../core/errors.js';
import type { CodeTask } from '../types.js';

/**
 * Reads a HumanEval(+)/MBPP(+)-style JSONL file the user has on disk (nothing is downloaded). Recognised rows:
 * - HumanEval and EvalPlus: `task_id`, `prompt` (code to continue), `test` (defines `check`), `entry_point`,
 *   optional `canonical_solution`; EvalPlus' MBPP+ has the same keys with a text prompt and a test script;
 * - original MBPP: `task_id`, `text`, `code`, `test_list` (asserts), optional `test_setup_code`.
 * Field names follow the published datasets' READMEs (openai/human-eval, evalplus, google-research/mbpp).
 */
export function loadJsonlSuite(file: string): CodeTask[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OpsError(`cannot read task file ${file}`, {
      cause,
      exitCode: 2,
      hint: 'give the path of a HumanEval/MBPP-style .jsonl file on this machine',
    });
  }
  const suite = basename(file).replace(/\.jsonl$/i, '');
  const tasks: CodeTask[] = [];
  const problems: ValidationProblem[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    const path = `line ${index + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line);
    } catch {
      problems.push({ path, message: 'not valid JSON' });
      return;
    }
    const task = taskFromRow(row, suite);
    if (typeof task === 'string') problems.push({ path, message: task });
    else tasks.push(task);
  });
  if (problems.length > 0) throw new ValidationError(file, problems);
  if (tasks.length === 0) throw new OpsError(`no tasks in ${file}`, { exitCode: 2 });
  return tasks;
}

function taskFromRow(row: Record<string, unknown>, suite: string): CodeTask | string {
  const id = String(row.task_id ?? '');
  if (!id) return 'no task_id';
  if (typeof row.test === 'string' && typeof row.entry_point === 'string' && typeof row.prompt === 'string') {
    const entry = row.entry_point;
    // HumanEval's prompt is code ending in the signature and docstring; MBPP+'s is a description.
    const isCode = new RegExp(`def\\s+${entry}\\s*\\(`).test(row.prompt);
    const reference = typeof row.canonical_solution === 'string' ? row.canonical_solution : undefined;
    return {
      id,
      suite,
      language: 'python',
      entry,
      prompt: row.prompt,
      testStyle: 'check',
      tests: row.test,
      ...(isCode ? { codePrefix: row.prompt } : {}),
      ...(reference ? { reference } : {}),
    };
  }
  if (typeof row.text === 'string' && Array.isArray(row.test_list)) {
    const asserts = row.test_list.map(String);
    const entry = /assert\s+(?:not\s+)?\(?\s*([A-Za-z_]\w*)\s*\(/.exec(asserts[0] ?? '')?.[1];
    if (!entry) return 'no function name found in the first test of test_list';
    const setup = typeof row.test_setup_code === 'string' ? row.test_setup_code : '';
    return {
      id,
      suite,
      language: 'python',
      entry,
      // MBPP's own prompt format gives the description and the tests the function must pass.
      prompt: `${row.text}\nYour code should pass this test:\n${asserts[0]}`,
      testStyle: 'check',
      tests: `${setup}\n${asserts.join('\n')}\n`,
      ...(typeof row.code === 'string' ? { reference: row.code } : {}),
    };
  }
  return 'neither HumanEval fields (prompt, test, entry_point) nor MBPP fields (text, test_list)';
}
