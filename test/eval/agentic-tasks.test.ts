import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { claudeForSandbox, parseAgentReport } from '../../src/eval/agentic-suite.js';
import { AGENTIC_TASKS_DIR, applyFix, filesToGrade, loadAgenticTasks } from '../../src/eval/agentic-tasks.js';
import { selectSuites } from '../../src/eval/select-suites.js';
import { CLAUDE } from '../support/claude-cli.js';

describe('agentic tasks', () => {
  it('loads every task of eval/agentic: both languages, each with a failing test file and a fix that applies', () => {
    const tasks = loadAgenticTasks();
    assert.ok(tasks.length >= 4);
    assert.deepEqual(new Set(tasks.map((t) => t.language)), new Set(['python', 'typescript']));
    for (const task of tasks) {
      for (const path of task.tests) assert.ok(task.files[path], `${task.id}: ${path}`);
      const fixed = applyFix(task.files, task.fix);
      for (const edit of task.fix) {
        assert.notEqual(fixed[edit.file], task.files[edit.file], `${task.id}: the fix changes ${edit.file}`);
        assert.ok(fixed[edit.file]!.includes(edit.new));
      }
    }
  });

  it('grades with the test files restored, whatever the agent did to them', () => {
    const task = loadAgenticTasks()[0]!;
    const testFile = task.tests[0]!;
    const after = { ...task.files, [testFile]: 'pass  # the agent emptied the tests', 'new.py': 'x = 1\n' };
    const graded = filesToGrade(task, after);
    assert.equal(graded[testFile], task.files[testFile]);
    assert.equal(graded['new.py'], 'x = 1\n');
  });

  it('rejects a task whose fix does not apply or whose test file is missing, naming both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-agentic-'));
    try {
      cpSync(join(AGENTIC_TASKS_DIR, 'py-median-even'), join(dir, 'broken'), { recursive: true });
      const yaml = join(dir, 'broken', 'task.yaml');
      writeFileSync(
        yaml,
        readFileSync(yaml, 'utf8')
          .replace('tests: [test_stats.py]', 'tests: [test_missing.py]')
          .replace('return ordered[middle]', 'return nothing_like_this'),
      );
      assert.throws(
        () => loadAgenticTasks(dir),
        (e: Error & { problems?: { path: string; message: string }[] }) =>
          e.problems?.some((p) => p.message.includes('test_missing.py')) === true &&
          e.problems.some((p) => p.path === 'fix'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is a --suite name; bands and --limit narrow it', () => {
    const [all] = selectSuites(['agentic']);
    assert.equal(all?.kind, 'agentic');
    const [easy] = selectSuites(['agentic'], { bands: ['easy'] });
    assert.ok(easy?.kind === 'agentic' && easy.tasks.every((t) => t.band === 'easy'));
    const [one] = selectSuites(['agentic'], { limit: 1 });
    assert.ok(one?.kind === 'agentic' && one.tasks.length === 1);
  });

  it("reads the driver's last result line, and nothing from output without one", () => {
    const report = { exitCode: 0, summary: { turns: 3 }, stderr: '', files: { 'a.py': 'x' } };
    const line = `OPS-AGENT-RESULT ${Buffer.from(JSON.stringify(report)).toString('base64')}`;
    assert.deepEqual(parseAgentReport(`noise\nOPS-AGENT-RESULT bm90IGpzb24=\n${line}\n`), report);
    assert.equal(parseAgentReport('claude crashed\n'), undefined);
    const forged = { ...report, files: { 'a.py': 'x', '../../etc/passwd': 'x', '/abs': 'x', 'n.py': 42 } };
    const parsed = parseAgentReport(
      `OPS-AGENT-RESULT ${Buffer.from(JSON.stringify(forged)).toString('base64')}`,
    );
    assert.deepEqual(parsed?.files, { 'a.py': 'x' }, 'only text files inside the repository');
    assert.equal(parseAgentReport('OPS-AGENT-RESULT bm90IGpzb24=\n'), undefined);
  });

  it('mounts only a native Linux Claude Code build into the sandbox', () => {
    assert.equal(claudeForSandbox(CLAUDE), realpathSync(CLAUDE));
    const dir = mkdtempSync(join(tmpdir(), 'ops-claude-'));
    try {
      writeFileSync(join(dir, 'claude'), '#!/usr/bin/env node\n');
      assert.throws(() => claudeForSandbox(join(dir, 'claude')), /not Claude Code's native Linux build/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
