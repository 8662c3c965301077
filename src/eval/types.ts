/** Languages the sandbox runs tests in (containers/sandbox: python3, nodejs with type stripping). */
export type TaskLanguage = 'python' | 'typescript';

/**
 * How a task's hidden tests meet the model's code:
 * - `module`: the answer is saved as its own file (solution.py / solution.ts) and a test file imports it;
 * - `check`: HumanEval/MBPP style: answer + test code in one program, then `check(entry)` when the tests
 *   define `check` (HumanEval) — MBPP's asserts call the function themselves;
 * - `unittest`: exercise-directory style: the answer is saved under the exercise's file name, and
 *   `python3 -m unittest` runs the exercise's test module.
 */
export type TestStyle = 'module' | 'check' | 'unittest';

/** One function-level coding task with hidden tests. */
export interface CodeTask {
  id: string;
  /** Which suite it came from: `builtin`, a JSONL file's name, an exercise directory's name. */
  suite: string;
  language: TaskLanguage;
  /** Difficulty band (`easy`, `medium`, `hard`), when the suite has one. */
  band?: string;
  /** The function or class the tests call. */
  entry: string;
  /** What the model is asked. */
  prompt: string;
  testStyle: TestStyle;
  /** The hidden test code; never shown to the model. */
  tests: string;
  /** A known-correct solution (builtin references, canonical solutions), used to check the suite itself. */
  reference?: string;
  /** `check` style: the code the model's answer continues (a signature and docstring), prepended when needed. */
  codePrefix?: string;
  /** `unittest` style: the solution's file name and the test module's file name. */
  files?: { solution: string; test: string };
}

/** The outcome of one task: passed or not, and why not. */
export interface TaskOutcome {
  id: string;
  suite: string;
  /** The task's language; `tool-use` for a tool-use scenario. */
  language: TaskLanguage | 'tool-use';
  band?: string;
  passed: boolean;
  /** `passed`, `failed` (tests failed), `timeout`, `oom`, `no-code` (nothing to run), `error` (request failed). */
  status: 'passed' | 'failed' | 'timeout' | 'oom' | 'no-code' | 'error';
  /** Time the model took to answer (request sent → last byte), for the latency criterion. */
  latencyMs: number;
  /** Time the tests took in the sandbox. */
  testMs: number;
  /** Tail of the test output or the request's error, for a person reading why it failed. */
  detail?: string;
}

/** A pass rate with its uncertainty: tasks are few, so never a bare percentage. */
export interface PassRate {
  passed: number;
  total: number;
  rate: number;
  /** Wilson score interval at 95%. */
  low: number;
  high: number;
}

/** One edit of a known-correct fix: replace `old` (once) by `new` in `file`. */
export interface FixEdit {
  file: string;
  old: string;
  new: string;
}

/**
 * One agentic task: a small repository whose tests fail, for Claude Code to fix. Success is the repository's tests
 * passing afterwards, in a fresh sandbox run with the test files restored.
 */
export interface AgenticTask {
  id: string;
  suite: 'agentic';
  language: TaskLanguage;
  band: string;
  /** What Claude Code is asked (`claude -p`). */
  prompt: string;
  /** Relative path → content: the repository before the fix. */
  files: Record<string, string>;
  /** The repository's test command, run in its root. */
  test: string[];
  /** Files the agent may not change: restored from the original before the tests run. */
  tests: string[];
  /** A known-correct fix, used to check the suite itself and by the scripted test upstream. */
  fix: FixEdit[];
}
