import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fixturePath } from './fixtures.js';

const opsBin = fileURLToPath(new URL('../../bin/ops.js', import.meta.url));
let home: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ops-detect-e2e-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Runs `ops …` from a directory outside the checkout, so profiles must be found relative to the sources. */
function ops(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [opsBin, ...args],
      { cwd: home, env: { ...process.env, OPS_HOME: home, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const hasNvidiaSmi = () =>
  new Promise<boolean>((resolve) => execFile('nvidia-smi', ['-L'], (error) => resolve(!error)));

describe('ops detect (e2e, this machine)', () => {
  it('--json reports the real CPU, memory, disks and Docker, and the profile', async () => {
    const { code, stdout, stderr } = await ops(['detect', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.cpu.threads, cpus().length);
    assert.ok(result.cpu.model.length > 0);
    assert.equal(result.memory.totalBytes, totalmem());
    assert.ok(result.disks.length > 0);
    assert.equal(result.disks.filter((d: { holdsModelStore: boolean }) => d.holdsModelStore).length, 1);
    assert.ok(result.os.kernel.length > 0);
    // A Docker daemon runs on the machines this project is built on (DESIGN.md §3).
    assert.equal(result.docker.present, true, result.docker.error);
    assert.match(result.docker.serverVersion, /^\d+\.\d+/);
    assert.ok(Array.isArray(result.gpus));
    assert.ok(Array.isArray(result.profile.reasons) && result.profile.reasons.length > 0);
    assert.ok(Array.isArray(result.profile.warnings));
    if (!(await hasNvidiaSmi()) && result.gpus.length === 0) {
      assert.equal(result.profile.id, 'cpu-only');
      assert.equal(result.gpuDetection.tried.length, 3);
    }
  });

  it('prints a readable summary without --json', async () => {
    const { code, stdout } = await ops(['detect']);
    assert.equal(code, 0);
    assert.match(stdout, /^CPU: .+ cores \/ \d+ threads/m);
    assert.match(stdout, /^Memory: [\d.]+ GiB total/m);
    assert.match(stdout, /← model store/);
    assert.match(stdout, /^Profile: [a-z-]+ \(/m);
  });
});

describe('ops detect --nvidia-smi-xml (e2e)', () => {
  it('classifies a saved 8× H100 report as enterprise, GPUs in the JSON shape', async () => {
    const { code, stdout } = await ops([
      'detect',
      '--json',
      '--nvidia-smi-xml',
      fixturePath('h100-sxm-x8-550.xml'),
    ]);
    assert.equal(code, 0);
    const result = JSON.parse(stdout);
    assert.equal(result.gpus.length, 8);
    for (const gpu of result.gpus) {
      assert.equal(gpu.name, 'NVIDIA H100 80GB HBM3');
      assert.equal(gpu.vramMiB, 81559);
      assert.equal(gpu.driverVersion, '550.90.07');
      assert.match(gpu.uuid, /^GPU-/);
    }
    assert.equal(result.cpu, null, 'a saved GPU report says nothing about the CPU of that machine');
    assert.equal(result.profile.id, 'enterprise');
    assert.deepEqual(result.profile.warnings, []);
  });

  it('prints the profile with its reasons and warnings for a MIG machine', async () => {
    const { code, stdout } = await ops(['detect', '--nvidia-smi-xml', fixturePath('a100-80gb-mig-550.xml')]);
    assert.equal(code, 0);
    assert.match(stdout, /Profile: enterprise/);
    assert.match(stdout, /→ enterprise/);
    assert.match(stdout, /warning: .*MIG enabled/);
  });

  it('a truncated file is a clear error naming it, with no stack trace', async () => {
    const file = fixturePath('truncated-h100-x8.xml');
    const { code, stdout, stderr } = await ops(['detect', '--nvidia-smi-xml', file]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.ok(stderr.includes(`error: ${file} is not well-formed nvidia-smi XML`), stderr);
    assert.match(stderr, /truncated/);
    assert.match(stderr, /^hint: /m);
    assert.doesNotMatch(stderr, /^\s+at /m);
  });

  it('a missing file is a clear error', async () => {
    const { code, stderr } = await ops(['detect', '--nvidia-smi-xml', join(home, 'nope.xml')]);
    assert.equal(code, 2);
    assert.match(stderr, /cannot read nvidia-smi XML file .*nope\.xml/);
  });

  it('a broken profile file is reported with its path and field', async () => {
    const dir = join(home, 'profiles');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'tiny.yaml'),
      'id: tiny\ntitle: Tiny\npriority: 1\nmatch:\n  - minGpuCount: many\n',
    );
    const { code, stderr } = await ops(['detect', '--nvidia-smi-xml', fixturePath('rtx-4090-550.xml')], {
      OPS_PROFILES_DIR: dir,
    });
    assert.equal(code, 2);
    assert.ok(stderr.includes(`${join(dir, 'tiny.yaml')} is invalid`), stderr);
    assert.match(stderr, /match\[0\]\.minGpuCount: /);
    assert.match(stderr, /defaults: /);
  });
});
