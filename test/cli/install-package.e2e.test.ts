import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `ops` as a user installs it: `npm pack` (its prepack builds dist/), then a global install of the tarball into
 * an empty prefix with --omit=dev, and the installed `ops` run with no devDependency (tsx, TypeScript) anywhere.
 * --prefer-offline: npm's cache answers when it holds the dependencies (no network), the registry npm is
 * configured with otherwise. --ignore-scripts: better-sqlite3's install script would fetch or compile its
 * addon, which nothing here loads (commands load their imports only when they run).
 */
describe('the npm package', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-package-'));
  const prefix = join(dir, 'prefix');
  const installed = join(prefix, 'lib', 'node_modules', 'ops');
  const ops = join(prefix, 'bin', 'ops');
  // No PATH but node's own directory: an `ops`, `tsx` or `npx` from the checkout cannot be reached.
  const env = { PATH: dirname(process.execPath), OPS_HOME: join(dir, 'home'), NODE_OPTIONS: '' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const pack = await run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT });
    assert.equal(pack.code, 0, pack.stderr);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, `npm pack wrote no tarball:\n${pack.stdout}`);
    const install = await run('npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--omit=dev',
      '--prefer-offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      join(dir, tarball),
    ]);
    assert.equal(install.code, 0, install.stderr);
  });

  it('holds the built CLI and what it reads at run time, and no sources, tests or devDependencies', () => {
    for (const path of [
      'bin/ops.js',
      'dist/cli/main.js',
      'dist/report/default-prices.yaml',
      'catalog/gpus.yaml',
    ])
      assert.ok(existsSync(join(installed, path)), `${path} is in the package`);
    for (const path of ['src', 'test', 'bench', 'node_modules/tsx', 'node_modules/typescript'])
      assert.ok(!existsSync(join(installed, path)), `${path} is not in the install`);
  });

  it('ops --help runs and lists the commands', async () => {
    const r = await run(ops, ['--help'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: ops \[options\] \[command\]/);
    for (const command of ['setup', 'upgrade-models', 'report', 'plan', 'status'])
      assert.match(r.stdout, new RegExp(`^  ${command} `, 'm'));
  });

  it('a command runs from the package: ops plan reads the catalog and profiles it ships', async () => {
    const hardware = join(installed, 'hardware-profiles', 'examples', '2x-rtx-4090.yaml');
    const r = await run(ops, ['plan', '--json', '--hardware', hardware], { env });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.profile.id, 'prosumer');
    assert.ok(out.models.length >= 1);
  });

  it('bundles the gateway for its image from the built files (there is no src/)', async () => {
    const script = `const m = await import(${JSON.stringify(join(installed, 'dist', 'images', 'gateway-image.js'))});
process.stdout.write(await m.bundleGateway());`;
    const r = await run(process.execPath, ['--input-type=module', '-e', script], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /OPS_GATEWAY/, 'the gateway reads its settings from the environment');
    assert.ok(r.stdout.length > 100_000, 'its dependencies are bundled in');
  });

  it('a bad flag is a usage error there too', async () => {
    const r = await run(ops, ['plan', '--context', 'abc'], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /option '--context <tokens>' argument 'abc' is invalid/);
  });
});
