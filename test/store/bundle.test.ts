import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { exportBundle } from '../../src/store/bundle-export.js';
import { importBundle } from '../../src/store/bundle-import.js';
import { pullModel } from '../../src/store/pull-model.js';
import { type StoreLayout, storeLayout } from '../../src/store/store-layout.js';
import { writePseudoRandomFile } from './hub-api-double.js';

let dir: string;
const layoutIn = (home: string): StoreLayout =>
  storeLayout({
    modelsDir: join(home, 'models'),
    planFile: join(home, 'plan.yaml'),
    previousPlanFile: join(home, 'plan.previous.yaml'),
  });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ops-bundle-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('export then import on a fresh OPS_HOME reproduces the store byte for byte; a tampered bundle is refused', async () => {
  const source = layoutIn(join(dir, 'connected'));
  const smoke = await writeSmokeModel({ out: join(dir, 'smoke.gguf'), size: 'tiny', seed: 3 });
  await pullModel(source, { reference: smoke.path, id: 'ops/smoke' });
  const extra = join(dir, 'weights-q8_0.bin');
  await writePseudoRandomFile(extra, 3 << 20, 9);
  await pullModel(source, { reference: extra, id: 'org/extra' });

  const bundle = join(dir, 'bundle.tar');
  const exported = await exportBundle(source, [], bundle);
  assert.equal(exported.entries.length, 2);

  const offline = layoutIn(join(dir, 'offline'));
  const imported = await importBundle(offline, bundle);
  assert.equal(imported.addedBlobs, 2);
  assert.deepEqual(readFileSync(offline.manifestFile), readFileSync(source.manifestFile));
  assert.deepEqual(readdirSync(offline.blobsDir).sort(), readdirSync(source.blobsDir).sort());
  for (const name of readdirSync(source.blobsDir)) {
    assert.ok(
      readFileSync(join(offline.blobsDir, name)).equals(readFileSync(join(source.blobsDir, name))),
      name,
    );
  }

  // Flip one byte inside the smoke model's data in the tar: the bundle must be refused and change nothing.
  const tar = readFileSync(bundle);
  const at = tar.indexOf(Buffer.from('GGUF')) + 1000;
  tar[at] = (tar[at]! ^ 0x55) & 0xff;
  const tamperedBundle = join(dir, 'tampered.tar');
  writeFileSync(tamperedBundle, tar);
  const fresh = layoutIn(join(dir, 'fresh'));
  await assert.rejects(
    importBundle(fresh, tamperedBundle),
    (e: Error & { hint?: string }) => /sha256 mismatch/.test(e.message) && /tampered/.test(e.hint ?? ''),
  );
  assert.ok(!existsSync(fresh.manifestFile), 'no manifest written');
  assert.deepEqual(readdirSync(fresh.blobsDir), [], 'no blob admitted, not even the intact one');
  assert.deepEqual(readdirSync(fresh.tmpDir), [], 'scratch space cleaned');
});
