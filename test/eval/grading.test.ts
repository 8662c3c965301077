import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { loadBuiltinSuite } from '../../src/eval/builtin-suite.js';
import { extractCode } from '../../src/eval/extract-code.js';
import { gradingJob } from '../../src/eval/grading.js';
import { checkJsonSchema } from '../../src/eval/json-schema-check.js';
import { loadJsonlSuite } from '../../src/eval/loaders/jsonl-suite.js';
import { summarize } from '../../src/eval/summarize.js';
import { gradeToolCall, loadToolSuite } from '../../src/eval/tool-use-suite.js';
import type { TaskOutcome } from '../../src/eval/types.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

describe('grading (pure)', () => {
  it('extracts the code of an answer: the labelled block, any block, or a fence-less answer', () => {
    assert.equal(
      extractCode('Sure.\n```python\ndef f():\n    return 1\n```\nDone.', 'python'),
      'def f():\n    return 1',
    );
    assert.equal(
      extractCode('```sh\nls\n```\n```ts\nexport const a = 1;\n```', 'typescript'),
      'export const a = 1;',
    );
    assert.equal(extractCode('```\nx = 1\n```', 'python'), 'x = 1');
    assert.equal(extractCode('<think>```python\nwrong\n```</think>def f(): pass', 'python'), 'def f(): pass');
    assert.equal(extractCode('def g(): return 2', 'python'), 'def g(): return 2');
    assert.equal(extractCode('```python\nunterminated', 'python'), '');
  });

  it('builds the sandbox job per test style', () => {
    const [py] = loadBuiltinSuite().filter((t) => t.language === 'python');
    assert.deepEqual(gradingJob(py!, 'code').files, { 'solution.py': 'code', 'test_solution.py': py!.tests });
    const ts = loadBuiltinSuite().find((t) => t.language === 'typescript')!;
    const tsJob = gradingJob(ts, 'export const x = 1;');
    assert.deepEqual(Object.keys(tsJob.files), ['solution.ts', 'test.ts']);
    assert.match(tsJob.command.join(' '), /esbuild test\.ts --bundle .* node \/tmp\/test\.mjs/);
    const [he] = loadJsonlSuite(join(FIXTURES, 'humaneval-mini.jsonl'));
    const body = gradingJob(he!, '    return []\n').files['program.py']!;
    assert.ok(body.startsWith(he!.codePrefix!), 'a body continues the prompt');
    assert.match(body, /\ncheck\(running_max\)\n$/);
    const whole = gradingJob(he!, 'def running_max(values):\n    return values\n').files['program.py']!;
    assert.match(
      whole,
      /^from typing import List\n\ndef running_max\(values\)/,
      'a whole function keeps the imports',
    );
    const [mbpp] = loadJsonlSuite(join(FIXTURES, 'mbpp-mini.jsonl'));
    assert.doesNotMatch(
      gradingJob(mbpp!, 'x').files['program.py']!,
      /check\(/,
      'MBPP asserts call the function',
    );
  });

  it('checks tool arguments against Claude Code schemas', () => {
    const { tools } = loadToolSuite();
    const read = tools.find((t) => t.name === 'Read')!.input_schema;
    assert.deepEqual(checkJsonSchema({ file_path: '/a' }, read), []);
    assert.deepEqual(checkJsonSchema({}, read), ['$.file_path: required']);
    assert.deepEqual(checkJsonSchema({ file_path: '/a', limit: 0, x: 1 }, read), [
      '$.limit: must be above 0',
      '$.x: not allowed',
    ]);
    assert.deepEqual(checkJsonSchema({ file_path: 3 }, read), ['$.file_path: expected string, got number']);
  });

  it('grades a tool call: right tool, parsable and schema-valid arguments that match the scenario', () => {
    const { tools, scenarios } = loadToolSuite();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['Read', 'Edit', 'Write', 'Bash'],
    );
    const s = scenarios.find((x) => x.id === 'tool-bash-tests')!;
    const call = (name: string, input: unknown) => ({ toolCalls: [{ name, input }] });
    assert.deepEqual(gradeToolCall(s, call('Bash', { command: 'npm run test' }), tools), { passed: true });
    assert.match(gradeToolCall(s, { toolCalls: [] }, tools).detail!, /no tool call/);
    assert.match(
      gradeToolCall(s, call('Read', { file_path: '/x' }), tools).detail!,
      /called Read, expected Bash/,
    );
    assert.match(gradeToolCall(s, call('Bash', { _raw: '{"command": ' }), tools).detail!, /do not parse/);
    assert.match(gradeToolCall(s, call('Bash', { command: 'ls', foo: 1 }), tools).detail!, /schema: \$\.foo/);
    assert.match(gradeToolCall(s, call('Bash', { command: 'make' }), tools).detail!, /command = "make"/);
  });

  it('summarises outcomes per band with intervals and latency', () => {
    const outcome = (id: string, band: string, passed: boolean, latencyMs: number): TaskOutcome => ({
      id,
      suite: 's',
      language: 'python',
      band,
      passed,
      status: passed ? 'passed' : 'failed',
      latencyMs,
      testMs: 1,
    });
    const r = summarize({
      suite: 's',
      kind: 'code',
      model: 'm',
      api: 'openai',
      target: 'local',
      startedAt: new Date(0).toISOString(),
      durationMs: 1,
      outcomes: [
        outcome('a', 'easy', true, 100),
        outcome('b', 'easy', false, 300),
        outcome('c', 'hard', true, 200),
      ],
    });
    assert.equal(r.overall.passed, 2);
    assert.equal(r.bands.easy!.total, 2);
    assert.equal(r.meanLatencyMs, 200);
    assert.equal(r.p95LatencyMs, 300);
  });
});
