import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadExerciseDirSuite } from '../../src/eval/loaders/exercise-dir-suite.js';
import { loadJsonlSuite } from '../../src/eval/loaders/jsonl-suite.js';
import type { EvalRun } from '../../src/eval/run-eval.js';
import { selectSuites } from '../../src/eval/select-suites.js';
import { taskPrompt } from '../../src/eval/task-prompt.js';
import { loadToolSuite } from '../../src/eval/tool-use-suite.js';
import type { CodeTask } from '../../src/eval/types.js';
import { type GatewayFixture, startFixture } from '../gateway/gateway-fixture.js';
import type { LooseJson, ScriptedReply } from '../gateway/scripted-openai-upstream.js';
import { runCli } from '../support/run-cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

// Done-when of issue 15: a scripted upstream (standing in for a model's judgement) answers known-correct
// solutions for a known subset of tasks and wrong ones for the rest; `ops eval` through the real gateway, with
// every answer graded in the real sandbox, must report exactly that pass rate for every suite type.
describe('ops eval through the gateway (docker: sandbox)', () => {
  let fixture: GatewayFixture;
  let home: string;
  const byPrompt = new Map<string, ScriptedReply>();
  const expected: Record<string, { passed: number; total: number }> = {};

  const fence = (task: CodeTask, code: string) => `Here you go:\n\n\`\`\`${task.language}\n${code}\n\`\`\`\n`;
  const wrongAnswers = (task: CodeTask): string[] =>
    task.language === 'typescript'
      ? [
          fence(task, `export const ${task.entry}: any = () => 42;`),
          fence(task, ''),
          fence(task, 'export function ('),
        ]
      : [
          fence(task, `def ${task.entry}(*args, **kwargs):\n    return 42`),
          fence(task, ''),
          fence(task, 'def broken(:'),
        ];

  function script(suite: string, tasks: CodeTask[], correct: (index: number) => boolean) {
    let passed = 0;
    tasks.forEach((task, i) => {
      const good = correct(i);
      if (good) passed++;
      const text = good ? fence(task, task.reference!) : wrongAnswers(task)[i % 3]!;
      byPrompt.set(taskPrompt(task), { text });
    });
    expected[suite] = { passed, total: tasks.length };
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'ops-eval-'));
    // 12 of the 40 tasks, spread over both languages and every band, keep this file short; every reference is
    // checked in the sandbox by sandbox.docker.test.ts.
    const [builtin] = selectSuites(['builtin'], { limit: 12 });
    assert.ok(builtin?.kind === 'code');
    script('builtin', builtin.tasks, (i) => i % 4 !== 3);
    script('humaneval-mini', loadJsonlSuite(join(FIXTURES, 'humaneval-mini.jsonl')), (i) => i === 0);
    script('mbpp-mini', loadJsonlSuite(join(FIXTURES, 'mbpp-mini.jsonl')), (i) => i === 1);
    script('polyglot', loadExerciseDirSuite(join(FIXTURES, 'polyglot')).tasks, (i) => i === 0);
    const answers: Record<string, Record<string, string>> = {
      'tool-edit-rename': {
        file_path: '/repo/src/math.ts',
        old_string: 'export function ad(a: number, b: number)',
        new_string: 'export function add(a: number, b: number)',
      },
      'tool-edit-constant': {
        file_path: '/repo/src/limits.py',
        old_string: 'MAX_RETRIES = 3',
        new_string: 'MAX_RETRIES = 5',
      },
      'tool-write-new-file': { file_path: '/repo/.gitignore', content: 'node_modules\ndist\n' },
      'tool-write-script': { file_path: '/repo/hello.py', content: 'print("hello")\n' },
      'tool-bash-tests': { command: 'npm test', description: 'Run the tests' },
      'tool-bash-git': { command: 'git status --short' },
    };
    const { scenarios } = loadToolSuite();
    let toolsPassed = 0;
    scenarios.forEach((s, i) => {
      const args =
        answers[s.id] ??
        Object.fromEntries(Object.entries(s.args).map(([k, v]) => [k, 'equals' in v ? v.equals : '']));
      const wrong = [
        { name: s.tool === 'Bash' ? 'Read' : 'Bash', arguments: JSON.stringify(args) }, // the wrong tool
        { name: s.tool, arguments: '{"file_path": "/repo/x", ' }, // arguments that do not parse
        { name: s.tool, arguments: JSON.stringify({ ...args, surprise: true }) }, // outside the schema
      ];
      const good = i % 2 === 0;
      if (good) toolsPassed++;
      byPrompt.set(s.prompt, {
        toolCalls: [good ? { name: s.tool, arguments: JSON.stringify(args) } : wrong[i % 3]!],
      });
    });
    expected.tools = { passed: toolsPassed, total: scenarios.length };
    fixture = await startFixture((body: LooseJson) => {
      const user = body.messages.findLast((m: LooseJson) => m.role === 'user');
      const content =
        typeof user.content === 'string'
          ? user.content
          : user.content.map((p: LooseJson) => p.text ?? '').join('');
      return byPrompt.get(content) ?? { text: 'unknown prompt' };
    });
  });
  afterAll(async () => {
    await fixture?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('gives exactly the scripted pass rate for each suite type, stores it, and skips other languages', async () => {
    const suites = [
      'builtin',
      'tools',
      join(FIXTURES, 'humaneval-mini.jsonl'),
      join(FIXTURES, 'mbpp-mini.jsonl'),
      join(FIXTURES, 'polyglot'),
    ];
    const result = await runCli(
      [
        'eval',
        '--suite',
        suites.join(','),
        '--limit',
        '12',
        '--gateway',
        fixture.url,
        '--model',
        'quality',
        '--concurrency',
        '4',
        '--json',
      ],
      { OPS_HOME: home },
      170_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as EvalRun;
    const got = Object.fromEntries(
      run.results.map((r) => [r.suite, { passed: r.overall.passed, total: r.overall.total }]),
    );
    assert.deepEqual(got, expected);
    const builtin = run.results.find((r) => r.suite === 'builtin')!;
    assert.deepEqual(Object.keys(builtin.bands), ['easy', 'hard', 'medium']);
    assert.ok(builtin.overall.low < 0.75 && builtin.overall.high > 0.75, 'the interval holds the rate');
    assert.deepEqual(new Set(builtin.outcomes.map((o) => o.language)), new Set(['python', 'typescript']));
    assert.ok(builtin.outcomes.some((o) => o.status === 'no-code'));
    assert.match(result.stderr, /1 exercise\(s\) skipped \(no go toolchain/);
    // Every request went through the gateway: code suites over OpenAI, tool use over Anthropic (translated).
    const chat = fixture.upstream.requests.filter((r) => r.path === '/v1/chat/completions');
    const total = Object.values(expected).reduce((n, e) => n + e.total, 0);
    assert.equal(chat.length, total);
    assert.equal(chat.filter((r) => r.body.tools?.length === 4).length, expected.tools!.total);

    const db = new Database(join(home, 'ledger.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT suite, passed, total, target FROM eval_runs ORDER BY suite').all();
    db.close();
    assert.deepEqual(
      rows,
      Object.entries(expected)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([suite, e]) => ({ suite, ...e, target: 'local' })),
    );
  });
});
