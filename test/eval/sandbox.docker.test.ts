import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadBuiltinSuite } from '../../src/eval/builtin-suite.js';
import { gradeAnswer } from '../../src/eval/grade-answer.js';
import { gradingJob } from '../../src/eval/grading.js';
import { runInSandbox } from '../../src/eval/sandbox.js';
import type { CodeTask } from '../../src/eval/types.js';
import { DEFAULT_SANDBOX_TAG } from '../../src/images/sandbox-image.js';
import { type DockerTestKit, dockerTestKit, testDeploymentName } from '../support/docker-test-kit.js';

// Real daemon, real sandbox image (`ops images build sandbox`, part of `make image`). Each "solution" below is
// a hostile answer to a real built-in task: it must be contained and scored as failed, and the host unharmed.
describe('eval sandbox (docker)', () => {
  let kit: DockerTestKit;
  const deployment = testDeploymentName();
  let clamp: CodeTask;
  const grade = (code: string, timeoutMs = 10_000) =>
    gradeAnswer(kit.runtime, clamp, code, { deployment, limits: { timeoutMs } });
  const correct =
    'def clamp(x, lo, hi):\n    if lo > hi:\n        raise ValueError()\n    return max(lo, min(hi, x))\n';

  beforeAll(async () => {
    kit = await dockerTestKit();
    assert.ok(await kit.runtime.imageExists(DEFAULT_SANDBOX_TAG), 'run `ops images build sandbox` first');
    clamp = loadBuiltinSuite().find((t) => t.id === 'py-clamp')!;
  });
  afterAll(async () => {
    const left = await kit.runtime.list({ 'ops.deployment': deployment });
    await kit.cleanup(deployment);
    assert.equal(left.length, 0, 'every sandbox container is removed after its run');
  });

  it('passes a correct answer, runs as the unprivileged user with no network interface but loopback', async () => {
    const outcome = await grade(correct);
    assert.equal(outcome.status, 'passed', outcome.detail);
    const probe = await runInSandbox(kit.runtime, {
      deployment,
      files: {},
      command: ['sh', '-c', 'id -u; ls /sys/class/net; touch /work/ok && echo writable'],
    });
    assert.equal(probe.exitCode, 0, probe.output);
    assert.match(probe.output, /^10001$/m);
    assert.deepEqual(
      probe.output.split('\n').filter((l) => /^(lo|eth\d)$/.test(l)),
      ['lo'],
    );
    assert.match(probe.output, /writable/);
  });

  it('every built-in reference passes its hidden tests in the sandbox image (one container per language)', async () => {
    for (const language of ['python', 'typescript'] as const) {
      const tasks = loadBuiltinSuite().filter((t) => t.language === language);
      const files: Record<string, string> = {};
      const steps: string[] = [];
      for (const task of tasks) {
        const job = gradingJob(task, task.reference!);
        for (const [name, content] of Object.entries(job.files)) files[`${task.id}/${name}`] = content;
        const command = job.command.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
        steps.push(`(cd /work/${task.id} && ${command} >/dev/null 2>&1) || echo "FAILED ${task.id}"`);
      }
      const result = await runInSandbox(kit.runtime, {
        deployment,
        files,
        command: ['sh', '-c', `${steps.join('\n')}\necho checked`],
        // Generous: 20 interpreter starts in a row; on a loaded CI box each can take seconds.
        limits: { timeoutMs: 240_000, cpus: 2 },
      });
      assert.equal(result.exitCode, 0, result.output);
      assert.equal(result.output.trim(), 'checked', `${language}: ${result.output}`);
    }
  });

  it('scores an answer that reaches for the network as failed', async () => {
    const outcome = await grade(
      `import socket\nsocket.create_connection(("1.1.1.1", 80), timeout=3)\nsocket.getaddrinfo("example.com", 80)\n${correct}`,
    );
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.detail ?? '', /Network is unreachable|OSError|gaierror/);
  });

  it('contains a fork bomb (pids limit) and scores it failed; the next run is unaffected', async () => {
    const outcome = await grade(`import os\nwhile True:\n    os.fork()\n${correct}`, 8_000);
    assert.equal(outcome.passed, false);
    assert.ok(['failed', 'timeout', 'oom'].includes(outcome.status), outcome.status);
    assert.equal((await grade(correct)).passed, true);
  });

  it('stops a disk fill at the tmpfs size and scores it failed; the host disk is untouched', async () => {
    const freeBefore = statfsSync(tmpdir()).bavail;
    const outcome = await grade(
      `with open("/work/fill", "wb") as f:\n    while True:\n        f.write(b"x" * 1048576)\n${correct}`,
    );
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.detail ?? '', /No space left on device/);
    const freeAfter = statfsSync(tmpdir()).bavail;
    assert.ok(Math.abs(freeAfter - freeBefore) * statfsSync(tmpdir()).bsize < 16 * 1024 * 1024);
  });

  it('refuses writes outside the work directory (read-only root, read-only task mount, no root)', async () => {
    for (const target of ['/etc/passwd', '/usr/lib/evil.py', '/task/solution.py', '/sandbox-escape']) {
      const outcome = await grade(`open(${JSON.stringify(target)}, "a").write("x")\n${correct}`);
      assert.equal(outcome.status, 'failed', target);
      assert.match(outcome.detail ?? '', /Read-only file system|Permission denied/, target);
    }
  });

  it('kills a memory hog and an endless loop, and bounds a flood of output', async () => {
    const hog = await grade(
      `blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 1048576))\n${correct}`,
    );
    assert.equal(hog.passed, false);
    assert.ok(['oom', 'failed'].includes(hog.status), hog.status);
    const loop = await grade(`while True:\n    pass\n${correct}`, 3_000);
    assert.equal(loop.status, 'timeout');
    const flood = await runInSandbox(kit.runtime, {
      deployment,
      files: {},
      command: [
        'sh',
        '-c',
        'yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | head -c 50000000; exit 3',
      ],
    });
    assert.equal(flood.exitCode, 3);
    assert.ok(flood.output.length <= 2 * 1024 * 1024, `kept ${flood.output.length} bytes of output`);
  });
});
