import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, extract } from 'tar';
import { afterAll, describe, it } from 'vitest';
import { findActiveCatalog, loadActiveCatalog } from '../../src/catalog/active-catalog.js';
import { packCatalogArchive } from '../../src/catalog/catalog-archive.js';
import { generateCatalogKeyPair } from '../../src/catalog/catalog-signature.js';
import { compareCatalogVersions } from '../../src/catalog/catalog-version.js';
import { updateCatalog } from '../../src/catalog/update-catalog.js';
import { OpsError } from '../../src/core/errors.js';
import { catalogCopy } from './catalog-fixture.js';

// A signing key made for this run (never committed); the shipped catalog/keys/ key signs nothing here.
const work = mkdtempSync(join(tmpdir(), 'ops-catalog-update-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const pair = generateCatalogKeyPair();
const publicKeyFile = join(work, 'publisher.pub');
const privateKeyFile = join(work, 'publisher.key');
writeFileSync(publicKeyFile, pair.publicPem);
writeFileSync(privateKeyFile, pair.privatePem);

async function signedArchive(version: string, name = version, privatePem = pair.privatePem): Promise<string> {
  const dir = catalogCopy(version);
  const outFile = join(work, `${name}.tar.gz`);
  await packCatalogArchive({ dir, privateKeyPem: privatePem, privateKeyFile, outFile });
  rmSync(dir, { recursive: true, force: true });
  return outFile;
}

/** Unpacks an archive, lets `change` edit its entries, packs it again (what an attacker on the path could do). */
async function rewritten(archive: string, name: string, change: (dir: string) => void): Promise<string> {
  const dir = join(work, `${name}.d`);
  mkdirSync(dir);
  await extract({ file: archive, cwd: dir });
  change(dir);
  const out = join(work, `${name}.tar.gz`);
  await create({ gzip: true, file: out, cwd: dir, portable: true }, readdirSync(dir));
  return out;
}

const freshHome = () => ({ root: mkdtempSync(join(work, 'home-')) });

async function refusal(promise: Promise<unknown>, pattern: RegExp): Promise<OpsError> {
  const error = await promise.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OpsError, `an OpsError, got ${String(error)}`);
  assert.equal(error.exitCode, 2);
  assert.match(error.message, pattern);
  return error;
}

describe('ops catalog update: a newer catalog without a new ops release', () => {
  it('installs a signed newer catalog from a file, and the planner then loads it (with its new model)', async () => {
    const state = freshHome();
    const archive = await signedArchive('2099.1.0');
    const before = loadActiveCatalog(state);
    assert.equal(
      before.models.some((m) => m.id === 'future-coder-80b-a3b'),
      false,
    );

    const result = await updateCatalog({
      state,
      source: archive,
      trustKeyFile: publicKeyFile,
      allowOlder: false,
    });
    assert.equal(result.installed, true);
    assert.equal(result.trustedKey, pair.keyId);
    assert.deepEqual(result.signedBy, { keyId: pair.keyId, origin: 'user' });
    const found = findActiveCatalog(state);
    assert.equal(found.active.source, 'installed');
    assert.equal(found.active.version.version, '2099.1.0');
    assert.equal(found.shipped.source, 'shipped');
    assert.ok(loadActiveCatalog(state).models.some((m) => m.id === 'future-coder-80b-a3b'));
    assert.equal(readFileSync(join(state.root, 'catalog-keys', `${pair.keyId}.pub`), 'utf8'), pair.publicPem);
  });

  it('refuses a key nobody trusted, naming the key and how to trust it', async () => {
    const state = freshHome();
    const error = await refusal(
      updateCatalog({ state, source: await signedArchive('2099.1.0', 'untrusted'), allowOlder: false }),
      new RegExp(`signed by key ${pair.keyId}, which ops does not trust`),
    );
    assert.match(error.hint ?? '', /--trust-key/);
    assert.equal(findActiveCatalog(state).active.source, 'shipped');
  });

  it('refuses a file changed after signing (tampered), naming the file', async () => {
    const state = freshHome();
    const archive = await rewritten(await signedArchive('2099.1.0', 'orig-t'), 'tampered', (dir) => {
      const file = join(dir, 'catalog', 'models', 'future-coder.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('quality: 80.0', 'quality: 99.0'));
    });
    await refusal(
      updateCatalog({ state, source: archive, trustKeyFile: publicKeyFile, allowOlder: false }),
      /tampered[\s\S]*models\/future-coder\.yaml: does not match the signed manifest/,
    );
    assert.equal(findActiveCatalog(state).active.source, 'shipped');
  });

  it('refuses a file the manifest does not list (added after signing)', async () => {
    const state = freshHome();
    const archive = await rewritten(await signedArchive('2099.1.0', 'orig-a'), 'added', (dir) => {
      writeFileSync(join(dir, 'catalog', 'models', 'extra.yaml'), 'family: x\nmodels: []\n');
    });
    await refusal(
      updateCatalog({ state, source: archive, trustKeyFile: publicKeyFile, allowOlder: false }),
      /models\/extra\.yaml: in the archive but not in the signed manifest/,
    );
  });

  it('refuses a manifest changed to match changed files (bad signature)', async () => {
    const state = freshHome();
    const archive = await rewritten(await signedArchive('2099.1.0', 'orig-s'), 'badsig', (dir) => {
      const file = join(dir, 'manifest.json');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/"bytes": (\d+)/, (_, n) => `"bytes": ${Number(n) + 1}`),
      );
    });
    await refusal(
      updateCatalog({ state, source: archive, trustKeyFile: publicKeyFile, allowOlder: false }),
      new RegExp(`signature of .* does not verify with key ${pair.keyId}`),
    );
  });

  it('refuses a signature by another key that claims a trusted key id (bad signature)', async () => {
    const state = freshHome();
    const other = generateCatalogKeyPair();
    const forged = await rewritten(
      await signedArchive('2099.1.0', 'other', other.privatePem),
      'forged',
      (dir) => {
        const file = join(dir, 'manifest.sig');
        const sig = JSON.parse(readFileSync(file, 'utf8'));
        writeFileSync(file, JSON.stringify({ ...sig, keyId: pair.keyId }));
      },
    );
    await refusal(
      updateCatalog({ state, source: forged, trustKeyFile: publicKeyFile, allowOlder: false }),
      /does not verify/,
    );
  });

  it('refuses an older catalog than the active one unless --allow-older; the same one again changes nothing', async () => {
    const state = freshHome();
    await updateCatalog({
      state,
      source: await signedArchive('2099.2.0'),
      trustKeyFile: publicKeyFile,
      allowOlder: false,
    });
    const older = await signedArchive('2099.1.5');
    const error = await refusal(
      updateCatalog({ state, source: older, allowOlder: false }),
      /holds catalog 2099\.1\.5 .*older than the active 2099\.2\.0/,
    );
    assert.match(error.hint ?? '', /--allow-older/);
    assert.equal(findActiveCatalog(state).active.version.version, '2099.2.0');

    const again = await updateCatalog({
      state,
      source: await signedArchive('2099.2.0', 'again'),
      allowOlder: false,
    });
    assert.equal(again.installed, false);

    const back = await updateCatalog({ state, source: older, allowOlder: true });
    assert.equal(back.installed, true);
    assert.equal(findActiveCatalog(state).active.version.version, '2099.1.5');
  });

  it('refuses a catalog older than the shipped one, since the shipped one would stay active', async () => {
    const state = freshHome();
    await refusal(
      updateCatalog({
        state,
        source: await signedArchive('2000.1.0'),
        trustKeyFile: publicKeyFile,
        allowOlder: false,
      }),
      /older than the active/,
    );
  });

  it('refuses what is not a catalog archive', async () => {
    const state = freshHome();
    const junk = join(work, 'junk.tar.gz');
    writeFileSync(junk, 'not a tar at all '.repeat(100));
    await refusal(updateCatalog({ state, source: junk, allowOlder: false }), /is not a catalog archive/);
    await refusal(
      updateCatalog({ state, source: join(work, 'missing.tar.gz'), allowOlder: false }),
      /cannot read catalog archive/,
    );
    const unsigned = await rewritten(await signedArchive('2099.1.0', 'orig-u'), 'unsigned', (dir) =>
      rmSync(join(dir, 'manifest.sig')),
    );
    await refusal(updateCatalog({ state, source: unsigned, allowOlder: false }), /not signed/);
  });

  it("refuses a signed catalog this ops cannot read, with the loader's field paths", async () => {
    const state = freshHome();
    const dir = catalogCopy('2099.1.0');
    const file = join(dir, 'models', 'future-coder.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('kvHeads: 2', 'kvHeads: 3'));
    const archive = join(work, 'unreadable.tar.gz');
    await packCatalogArchive({ dir, privateKeyPem: pair.privatePem, privateKeyFile, outFile: archive });
    await refusal(
      updateCatalog({ state, source: archive, trustKeyFile: publicKeyFile, allowOlder: false }),
      /models\/future-coder\.yaml: models\[0\]\.shape\.kvHeads/,
    );
  });

  it('replaces atomically through one link, keeping the previous catalog and dropping older ones', async () => {
    const state = freshHome();
    const link = join(state.root, 'catalog');
    for (const v of ['2099.1.0', '2099.2.0', '2099.3.0'])
      await updateCatalog({
        state,
        source: await signedArchive(v, `atomic-${v}`),
        trustKeyFile: publicKeyFile,
        allowOlder: false,
      });
    assert.match(readlinkSync(link), /^catalog\.d\/2099\.3\.0-[0-9a-f]{12}$/);
    const kept = readdirSync(join(state.root, 'catalog.d')).sort();
    assert.equal(kept.length, 2);
    assert.match(kept[0] ?? '', /^2099\.2\.0-/);
    assert.deepEqual(
      readdirSync(state.root).filter((n) => n.startsWith('.catalog')),
      [],
      'no temporary link left behind',
    );
  });

  it('fetches from an http URL through the project HTTP client', async () => {
    const state = freshHome();
    const body = readFileSync(await signedArchive('2099.1.0', 'served'));
    const server = createServer((req, res) => {
      if (req.url === '/catalog.tar.gz') res.end(body);
      else res.writeHead(404).end('no such file');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await updateCatalog({
        state,
        source: `${base}/catalog.tar.gz`,
        trustKeyFile: publicKeyFile,
        allowOlder: false,
      });
      assert.equal(result.installed, true);
      await assert.rejects(updateCatalog({ state, source: `${base}/gone.tar.gz`, allowOlder: false }), /404/);
    } finally {
      server.close();
    }
  });
});

describe('catalog versions', () => {
  it('compare number by number, then by date', () => {
    const v = (version: string, date = '2026-01-01') => ({ version, date });
    assert.ok(compareCatalogVersions(v('2026.12.0'), v('2026.9.3')) > 0);
    assert.ok(compareCatalogVersions(v('2026.12'), v('2026.12.1')) < 0);
    assert.equal(compareCatalogVersions(v('2026.12.0'), v('2026.12')), 0);
    assert.ok(compareCatalogVersions(v('1', '2026-02-01'), v('1', '2026-01-31')) > 0);
  });
});
