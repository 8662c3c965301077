import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { catalogCopy } from './catalog-fixture.js';

// The maintainer's side (keygen, sign) and the user's (update, status, plan) through the real CLI, offline from
// a file. The signing key is made in this run and removed with it.
describe('ops catalog', { timeout: 240_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'ops-catalog-e2e-'));
  const env = { OPS_HOME: join(work, 'home') };
  const keys = join(work, 'keys');
  const archive = join(work, 'catalog-2099.1.0.tar.gz');
  const catalogDir = catalogCopy('2099.1.0');
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(catalogDir, { recursive: true, force: true });
  });

  it('signs a catalog with a new key; an untrusted key is refused with exit 2 and no stack', async () => {
    const keygen = await runCli(['catalog', 'keygen', '--out-dir', keys, '--json'], env);
    assert.equal(keygen.code, 0, keygen.stderr);
    const sign = await runCli(
      ['catalog', 'sign', catalogDir, '--key', join(keys, 'catalog-signing.key'), '--out', archive, '--json'],
      env,
    );
    assert.equal(sign.code, 0, sign.stderr);
    assert.equal(JSON.parse(sign.stdout).keyId, JSON.parse(keygen.stdout).keyId);

    const refused = await runCli(['catalog', 'update', archive], env);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /which ops does not trust/);
    assert.match(refused.stderr, /--trust-key/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
  });

  it('installs it with --trust-key; status says the installed catalog is active; plan uses its new model', async () => {
    const update = await runCli(
      ['catalog', 'update', archive, '--trust-key', join(keys, 'catalog-signing.pub'), '--json'],
      env,
    );
    assert.equal(update.code, 0, update.stderr);
    assert.equal(JSON.parse(update.stdout).installed, true);

    const status = await runCli(['catalog', 'status', '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.equal(s.active.source, 'installed');
    assert.equal(s.active.version.version, '2099.1.0');
    assert.equal(s.shipped.source, 'shipped');
    assert.ok(s.trustedKeys.some((k: { origin: string }) => k.origin === 'user'));

    const hardware = join(work, 'one-3090.yaml');
    writeFileSync(
      hardware,
      'gpus:\n  - { index: 0, name: NVIDIA GeForce RTX 3090, vramMiB: 24576 }\nramMiB: 65536\ncpuCores: 16\n',
    );
    const plan = await runCli(['plan', '--json', '--hardware', hardware], env);
    assert.equal(plan.code, 0, plan.stderr);
    const ids = JSON.parse(plan.stdout).models.map((m: { id: string }) => m.id);
    assert.ok(
      ids.some((id: string) => id.startsWith('future-coder-80b-a3b')),
      ids.join(', '),
    );
  });

  it('refuses a tampered archive with exit 2, naming the file, and keeps the active catalog', async () => {
    const bytes = readFileSync(archive);
    const damaged = join(work, 'damaged.tar.gz');
    bytes[bytes.length - 40] = (bytes[bytes.length - 40] ?? 0) ^ 0xff;
    writeFileSync(damaged, bytes);
    const r = await runCli(['catalog', 'update', damaged], env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not a catalog archive|does not match the signed manifest/);
    const status = await runCli(['catalog', 'status', '--json'], env);
    assert.equal(JSON.parse(status.stdout).active.version.version, '2099.1.0');
  });
});
