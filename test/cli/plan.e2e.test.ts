import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/run-cli.js';

describe('ops plan', { timeout: 240_000 }, () => {
  const home = mkdtempSync(join(tmpdir(), 'ops-plan-'));
  const env = { OPS_HOME: home };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('plans two 4090s from a hardware file, with every promised JSON field and the rejected candidates', async () => {
    const r = await runCli(
      ['plan', '--json', '--hardware', 'hardware-profiles/examples/2x-rtx-4090.yaml'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out.models.length >= 1);
    for (const key of [
      'id',
      'quant',
      'engine',
      'weightsBytes',
      'kvCacheBytes',
      'overheadBytes',
      'totalBytes',
      'gpus',
      'contextLength',
      'parallel',
      'args',
      'estTokensPerSec',
    ])
      assert.ok(key in out.models[0], `models[0].${key}`);
    assert.ok(out.rejected.length > 0 && out.rejected.every((x: { reason: string }) => x.reason.length > 0));
    assert.equal(out.profile.id, 'prosumer');
  });

  it('says what would fit when nothing does', async () => {
    const hw = join(home, 'small.yaml');
    writeFileSync(
      hw,
      'gpus: [{ index: 0, name: NVIDIA GeForce RTX 3060, vramMiB: 12288 }]\nramMiB: 4096\ncpuCores: 4\n',
    );
    const r = await runCli(
      ['plan', '--hardware', hw, '--sources', 'hf', '--context', '131072', '--agents', '8'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /what would fit:/);
  });

  it('writes a Plan for the built-in smoke model on a CPU-only machine, leaving the current Plan alone', async () => {
    writeFileSync(join(home, 'plan.yaml'), '# current\n');
    const hw = join(home, 'cpu.yaml');
    writeFileSync(hw, 'gpus: []\nramMiB: 16384\ncpuCores: 2\n');
    const r = await runCli(
      ['plan', '--hardware', hw, '--write', '--sources', 'builtin', '--context', '1024', '--agents', '2'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /profile cpu-only/);
    assert.match(r.stdout, /ops-smoke-/);
    const plan = parse(readFileSync(join(home, 'plan.proposed.yaml'), 'utf8'));
    assert.equal(plan.engines[0].engine, 'llama.cpp');
    assert.equal(plan.engines[0].parallel, 2);
    // The Plan names the model for the store; `ops up` writes the smoke model when it resolves it.
    assert.match(plan.engines[0].model, /^builtin:ops-smoke-/);
    assert.equal(readFileSync(join(home, 'plan.yaml'), 'utf8'), '# current\n');
  });

  it('plans a real small coder on a CPU-only machine by default and says how to download it', async () => {
    const hw = join(home, 'cpu-32g.yaml');
    writeFileSync(hw, 'gpus: []\nramMiB: 32768\ncpuCores: 8\n');
    const r = await runCli(['plan', '--hardware', hw, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.intent.sources, ['hf']);
    assert.ok(
      out.models.length > 0 && out.models.every((m: { id: string }) => !m.id.startsWith('ops-smoke')),
    );
    assert.ok(
      out.notes.some((n: string) => /not downloaded: ops models pull /.test(n)),
      out.notes.join('\n'),
    );
  });

  it('--explain shows prompt time and multi-agent throughput, and says when no memory prediction was checked yet', async () => {
    const r = await runCli(['plan', '--explain'], env);
    assert.equal(r.code, 0, r.stderr);
    // What an agent feels, with the arithmetic: the 20K prompt and decode for one agent and for all of them.
    assert.match(r.stdout, /prompt: ~[\d.]+ s to process a 20000-token prompt/);
    assert.match(r.stdout, /\d+ agents? at once: ~[\d.]+ tokens\/s in total/);
    assert.match(r.stdout, /no prediction has been checked yet/);
  });

  it('rejects a bad priority with exit code 2', async () => {
    const r = await runCli(
      ['plan', '--priority', 'cheap', '--hardware', 'hardware-profiles/examples/2x-rtx-4090.yaml'],
      env,
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--priority must be quality or speed/);
  });
});
