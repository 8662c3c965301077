import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { BANDS, loadBuiltinSuite } from '../../src/eval/builtin-suite.js';
import { loadExerciseDirSuite } from '../../src/eval/loaders/exercise-dir-suite.js';
import { loadJsonlSuite } from '../../src/eval/loaders/jsonl-suite.js';
import { selectSuites } from '../../src/eval/select-suites.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

describe('eval suites', () => {
  it('the built-in suite has at least 40 tasks in Python and TypeScript across every band', () => {
    const tasks = loadBuiltinSuite();
    assert.ok(tasks.length >= 40);
    for (const language of ['python', 'typescript'] as const) {
      for (const band of BANDS) {
        const n = tasks.filter((t) => t.language === language && t.band === band).length;
        assert.ok(n >= 5, `${language} ${band}: ${n}`);
      }
    }
    assert.ok(tasks.every((t) => t.reference && t.tests && !t.prompt.includes(t.tests)));
  });

  it('reads HumanEval- and MBPP-style JSONL into check-style tasks', () => {
    const he = loadJsonlSuite(join(FIXTURES, 'humaneval-mini.jsonl'));
    assert.equal(he.length, 2);
    assert.equal(he[0]!.suite, 'humaneval-mini');
    assert.equal(he[0]!.entry, 'running_max');
    assert.match(he[0]!.codePrefix!, /def running_max/);
    const mbpp = loadJsonlSuite(join(FIXTURES, 'mbpp-mini.jsonl'));
    assert.equal(mbpp[0]!.entry, 'digit_square_sum');
    assert.match(mbpp[0]!.prompt, /Your code should pass this test:\nassert digit_square_sum\(12\) == 5/);
    assert.equal(mbpp[0]!.codePrefix, undefined);
  });

  it('lists every bad line of a JSONL file at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-jsonl-'));
    try {
      const file = join(dir, 'bad.jsonl');
      writeFileSync(file, '{"task_id": "a"}\nnot json\n\n{"prompt": "x"}\n');
      assert.throws(
        () => loadJsonlSuite(file),
        (e: unknown) =>
          e instanceof ValidationError && e.problems.map((p) => p.path).join() === 'line 1,line 2,line 4',
      );
      assert.throws(() => loadJsonlSuite(join(dir, 'missing.jsonl')), /cannot read task file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a polyglot-style exercise directory; other languages are skipped with the reason', () => {
    const { tasks, skipped } = loadExerciseDirSuite(join(FIXTURES, 'polyglot'));
    assert.deepEqual(
      tasks.map((t) => [t.id, t.files]),
      [
        ['python/acronym', { solution: 'acronym.py', test: 'acronym_test.py' }],
        ['python/leap-year', { solution: 'leap_year.py', test: 'leap_year_test.py' }],
      ],
    );
    assert.match(tasks[0]!.prompt, /Implement `abbreviate\(words\)`/, 'instructions.append.md is included');
    assert.match(tasks[0]!.reference!, /def abbreviate/);
    assert.deepEqual(skipped, [{ id: 'go/hello', reason: 'no go toolchain in the sandbox image' }]);
  });

  it('selects suites by name or path, narrows by band and limit, and refuses unknown names', () => {
    const [builtin] = selectSuites(['builtin'], { bands: ['hard'], limit: 4 });
    assert.ok(builtin?.kind === 'code');
    assert.equal(builtin.tasks.length, 4);
    assert.ok(builtin.tasks.every((t) => t.band === 'hard'));
    assert.ok(
      new Set(builtin.tasks.map((t) => t.language)).size === 2,
      'a spread limit keeps both languages',
    );
    assert.deepEqual(selectSuites(['tools']), [{ kind: 'tools', name: 'tools' }]);
    assert.deepEqual(selectSuites(['tools'], { limit: 2 }), [{ kind: 'tools', name: 'tools', limit: 2 }]);
    assert.throws(() => selectSuites(['no-such-suite']), /unknown suite no-such-suite/);
  });
});
