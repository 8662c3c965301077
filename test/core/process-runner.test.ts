import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { CommandError, OpsError } from '../../src/core/errors.js';
import { runChecked, runProcess, runProcessSync } from '../../src/core/process-runner.js';

describe('the one process runner (zx)', () => {
  it('keeps stdout and stderr apart, hands out lines as they come, and quotes arguments', async () => {
    const lines: string[] = [];
    const result = await runProcess('bash', ['-c', 'echo "a b"; echo err >&2; printf "$0"', 'it s'], {
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, 'a b\nit s');
    assert.equal(result.stderr, 'err\n');
    assert.deepEqual(lines.sort(), ['stderr:err', 'stdout:a b', 'stdout:it s']);
    assert.equal(result.command, 'bash -c "echo \\"a b\\"; echo err >&2; printf \\"$0\\"" "it s"');
  });

  it('passes input on stdin without the shell expanding it', async () => {
    const result = await runProcess('cat', [], { input: 'hello $HOME `id`' });
    assert.equal(result.stdout, 'hello $HOME `id`');
  });

  it('says when the program is not installed, and runChecked turns that into an error naming it', async () => {
    const result = await runProcess('ops-no-such-program', ['x']);
    assert.equal(result.notFound, true);
    await assert.rejects(runChecked('ops-no-such-program', []), (error: unknown) => {
      assert.ok(error instanceof OpsError);
      assert.match(error.message, /ops-no-such-program is not installed/);
      return true;
    });
  });

  it('kills a command at its timeout and says it timed out', async () => {
    const started = Date.now();
    const result = await runProcess('sleep', ['20'], { timeoutMs: 300 });
    assert.equal(result.timedOut, true);
    assert.ok(Date.now() - started < 10_000);
    await assert.rejects(runChecked('sleep', ['20'], { timeoutMs: 200 }), CommandError);
  });

  it('a non-zero exit is a CommandError with the command, the exit code and the output', async () => {
    await assert.rejects(
      runChecked('bash', ['-c', 'echo out; echo broken >&2; exit 3']),
      (error: unknown) => {
        assert.ok(error instanceof CommandError);
        assert.equal(error.exitStatus, 3);
        assert.equal(error.stdout, 'out\n');
        assert.match(error.message, /exit 3.*\n.*broken/s);
        return true;
      },
    );
  });

  it('aborting kills the child and its children, and is reported as interrupted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await assert.rejects(
      runChecked('bash', ['-c', 'sleep 20 & sleep 20; wait'], { signal: controller.signal }),
      /interrupted: bash/,
    );
    assert.ok(Date.now() - started < 10_000);
  });

  it('has a synchronous form for cleanup code', () => {
    const result = runProcessSync('echo', ['x y']);
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.trim(), 'x y');
  });
});

describe('the one process runner, aborted before it starts', () => {
  it('does not leave the command running', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runChecked('sleep', ['20'], { signal: controller.signal }), /interrupted/);
  });
});

describe('the one process runner, against a process that ignores SIGTERM', () => {
  it('kills it outright after the grace period, so a timeout is a limit', async () => {
    const started = Date.now();
    const result = await runProcess('bash', ['-c', 'trap "" TERM; while true; do sleep 1; done'], {
      timeoutMs: 200,
    });
    assert.equal(result.timedOut, true);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });
});
