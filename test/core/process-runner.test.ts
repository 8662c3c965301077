import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { CommandError, OpsError } from '../../src/core/errors.js';
import { runChecked, runProcess, runProcessSync, startDetached } from '../../src/core/process-runner.js';

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

describe('the one process runner, starting a process that outlives ops', () => {
  it('gives its pid and command, in a session of its own, output appended to the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-detached-'));
    const log = join(dir, 'logs', 'x.log');
    const started = await startDetached('bash', ['-c', 'echo "started $X"; exec sleep 30'], {
      env: { ...process.env, X: 'here' },
      logFile: log,
    });
    try {
      assert.ok(started.pid > 0);
      assert.equal(started.command, 'bash -c "echo \\"started $X\\"; exec sleep 30"');
      // Its own session: the pid leads it, so a Ctrl-C to ops's process group does not reach it.
      const stat = readFileSync(`/proc/${started.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      assert.equal(Number(fields[3]), started.pid, 'session id');
      for (let i = 0; i < 50 && !readFileSync(log, 'utf8').includes('started'); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(readFileSync(log, 'utf8'), 'started here\n');
    } finally {
      process.kill(started.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says a program that cannot be started is not installed, naming it', async () => {
    await assert.rejects(startDetached('ops-no-such-program', ['x']), (error: unknown) => {
      assert.ok(error instanceof OpsError);
      assert.match(error.message, /ops-no-such-program is not installed/);
      assert.match(error.hint ?? '', /install ops-no-such-program/);
      return true;
    });
  });
});
