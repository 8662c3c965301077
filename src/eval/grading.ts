import type { CodeTask } from './types.js';

/** What the sandbox runs for one answer: the files in its work directory and the command. */
export interface GradingJob {
  files: Record<string, string>;
  command: string[];
}

/**
 * TypeScript: esbuild strips the types and bundles test + solution into one ES module that Node runs (Debian's
 * Node has no built-in type stripping; see src/images/sandbox-image.ts). No type check, as with Node's own
 * stripping: a task passes on behaviour. The bundle goes to /tmp, a tmpfs like /work.
 */
const TS_RUN =
  'esbuild test.ts --bundle --platform=node --format=esm --log-level=error --outfile=/tmp/test.mjs && exec node /tmp/test.mjs';

/** Turns a task and the code extracted from a model's answer into the sandbox job that grades it (pure). */
export function gradingJob(task: CodeTask, code: string): GradingJob {
  if (task.testStyle === 'check') {
    // HumanEval style: the answer is either the whole function or the body that continues the prompt.
    const defines = new RegExp(`^\\s*(async\\s+)?def\\s+${escapeRegExp(task.entry)}\\s*\\(`, 'm').test(code);
    const callCheck = /^def\s+check\s*\(/m.test(task.tests) ? `\ncheck(${task.entry})\n` : '';
    const program = defines
      ? `${importsOf(task.codePrefix ?? '')}${code}`
      : `${task.codePrefix ?? ''}${code}`;
    return {
      files: { 'program.py': `${program}\n\n${task.tests}\n${callCheck}` },
      command: ['python3', '-B', 'program.py'],
    };
  }
  if (task.testStyle === 'unittest') {
    const files = task.files ?? { solution: 'solution.py', test: 'test_solution.py' };
    return {
      files: { [files.solution]: code, [files.test]: task.tests },
      command: ['python3', '-B', '-m', 'unittest', '-q', files.test.replace(/\.py$/, '')],
    };
  }
  if (task.language === 'python') {
    return {
      files: { 'solution.py': code, 'test_solution.py': task.tests },
      command: ['python3', '-B', 'test_solution.py'],
    };
  }
  return {
    files: { 'solution.ts': code, 'test.ts': task.tests },
    command: ['sh', '-c', TS_RUN],
  };
}

/** The import lines of a HumanEval prompt, kept when the answer restates the whole function. */
function importsOf(prefix: string): string {
  const lines = prefix.split('\n').filter((l) => /^(from\s+\S+\s+)?import\s/.test(l));
  return lines.length > 0 ? `${lines.join('\n')}\n\n` : '';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
