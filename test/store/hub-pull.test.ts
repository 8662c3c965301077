import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { coveredBytes } from '../../src/store/byte-ranges.js';
import { readDownloadProgress } from '../../src/store/download-progress.js';
import { listStoredModels } from '../../src/store/list-models.js';
import { readManifest } from '../../src/store/manifest.js';
import { pullModel } from '../../src/store/pull-model.js';
import { collectGarbage, removeModels } from '../../src/store/remove-model.js';
import { ChecksumMismatchError, DiskSpaceError } from '../../src/store/store-errors.js';
import { type StoreLayout, storeLayout } from '../../src/store/store-layout.js';
import { diskFile, HubApiDouble, smallFile, writePseudoRandomFile } from './hub-api-double.js';

const MiB = 1 << 20;
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const FAST_RETRY = { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 200 };
const OPS_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'ops.js');

let dir: string;
let hub: HubApiDouble;
const files: Record<string, { path: string; sha256: string; bytes: number }> = {};

function freshStore(name: string): { home: string; layout: StoreLayout } {
  const home = join(dir, name);
  return {
    home,
    layout: storeLayout({
      modelsDir: join(home, 'models'),
      planFile: join(home, 'plan.yaml'),
      previousPlanFile: join(home, 'plan.previous.yaml'),
    }),
  };
}

const blobNames = (layout: StoreLayout) => (existsSync(layout.blobsDir) ? readdirSync(layout.blobsDir) : []);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ops-store-test-'));
  for (const [name, bytes, seed] of [
    ['big', 210 * MiB, 1],
    ['mid', 48 * MiB, 2],
    ['small', 20 * MiB, 3],
  ] as const) {
    const path = join(dir, `${name}.bin`);
    files[name] = { path, bytes, sha256: await writePseudoRandomFile(path, bytes, seed) };
  }
  hub = new HubApiDouble();
  await hub.start();
  hub.addRepo('org/Big-GGUF', COMMIT, [
    await diskFile('big-Q4_K_M.gguf', files.big!.path, files.big!.sha256),
    smallFile('config.json', '{"model_type":"llama"}'),
  ]);
  hub.addRepo('org/Mid-GGUF', COMMIT, [await diskFile('mid-Q8_0.gguf', files.mid!.path, files.mid!.sha256)]);
  hub.addRepo('org/Small-GGUF', COMMIT, [
    await diskFile('small-Q8_0.gguf', files.small!.path, files.small!.sha256),
    await diskFile('small-Q4_0.gguf', files.mid!.path, files.mid!.sha256),
  ]);
  hub.addRepo('org/Checkpoint', COMMIT, [
    smallFile('config.json', '{"a":1}'),
    smallFile('tokenizer.json', '{"b":2}'),
  ]);
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pull from a hub', () => {
  test('a 210 MB file arrives over parallel ranges, verified, pinned to the commit; the token never reaches the CDN', async () => {
    const { layout } = freshStore('big');
    hub.resetStats();
    hub.faults = { requireToken: 'hf_test' };
    const bus = new EventBus();
    const progress: number[] = [];
    bus.on((e) => {
      if (e.kind === 'download:progress') progress.push(e.doneBytes);
    });
    const result = await pullModel(layout, {
      reference: 'org/Big-GGUF',
      env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: 'hf_test' },
      bus,
      // Loopback would default to one connection; this test is about parallel ranges.
      connections: 8,
    });
    hub.faults = {};
    assert.equal(result.revision, COMMIT);
    assert.equal(result.variant, 'Q4_K_M');
    assert.deepEqual(
      result.entries.map((e) => [e.file, e.sha256, e.bytes]),
      [['big-Q4_K_M.gguf', files.big!.sha256, files.big!.bytes]],
    );
    assert.deepEqual(blobNames(layout), [files.big!.sha256]);
    assert.ok(hub.stats.rangeRequests >= 8, `expected many ranged requests, saw ${hub.stats.rangeRequests}`);
    assert.equal(hub.stats.authorizationSeenByCdn, 0);
    assert.ok(hub.stats.bodyBytes <= files.big!.bytes + 1, 'no byte fetched twice');
    assert.equal(progress.at(-1), files.big!.bytes);
    assert.deepEqual(readdirSync(layout.partialDir), []);
    const [listed] = await listStoredModels(layout);
    assert.equal(listed?.path, join(layout.blobsDir, files.big!.sha256));
  });

  test('without the token a gated repo is refused with a hint about HF_TOKEN', async () => {
    const { layout } = freshStore('gated');
    hub.faults = { requireToken: 'hf_test' };
    await assert.rejects(
      pullModel(layout, { reference: 'org/Mid-GGUF', env: { HF_ENDPOINT: hub.endpoint } }),
      (e: Error & { hint?: string }) => /401/.test(e.message) && /HF_TOKEN/.test(e.hint ?? ''),
    );
    hub.faults = {};
  });

  test('a pull killed half-way resumes without fetching the bytes already on disk again', async () => {
    const { home, layout } = freshStore('resume');
    hub.resetStats();
    hub.faults = { bytesPerSecond: 16 * MiB };
    const child = spawn(process.execPath, [OPS_BIN, 'models', 'pull', 'org/Mid-GGUF', '--connections', '4'], {
      env: { ...process.env, OPS_HOME: home, HF_ENDPOINT: hub.endpoint },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const partial = join(layout.partialDir, `${files.mid!.sha256}.partial`);
    // Kill once half the bytes were sent *and* the puller has recorded some of them: on a loaded machine the
    // sidecar can lag the socket, and a kill before its first write is a different (fresh-start) case.
    const recorded = async () =>
      coveredBytes((await readDownloadProgress(`${partial}.progress.json`))?.done ?? []);
    const deadline = Date.now() + 60_000;
    while (
      (hub.stats.bodyBytes < files.mid!.bytes * 0.5 || (await recorded()) === 0) &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    // Let the server notice the dead sockets before counting again.
    await new Promise((r) => setTimeout(r, 300));
    hub.faults = {};
    const saved = await readDownloadProgress(`${partial}.progress.json`);
    assert.ok(saved, 'the progress sidecar survived the kill');
    const onDisk = coveredBytes(saved.done);
    assert.ok(onDisk > 0 && onDisk < files.mid!.bytes, `partial progress expected, got ${onDisk}`);
    assert.deepEqual(blobNames(layout), [], 'nothing admitted from a killed pull');

    hub.resetStats();
    const result = await pullModel(layout, { reference: 'org/Mid-GGUF', env: { HF_ENDPOINT: hub.endpoint } });
    assert.equal(result.entries[0]?.sha256, files.mid!.sha256);
    const missing = files.mid!.bytes - onDisk;
    // The resumed run fetches exactly the missing bytes (plus the 1-byte probe).
    assert.ok(
      hub.stats.bodyBytes >= missing && hub.stats.bodyBytes <= missing + 1,
      `fetched ${hub.stats.bodyBytes}, missing ${missing}`,
    );
  });

  test('a file corrupted in transit is rejected and not admitted', async () => {
    const { layout } = freshStore('corrupt');
    hub.faults = { corruptAt: 12_345_678 };
    await assert.rejects(
      pullModel(layout, { reference: 'org/Small-GGUF', quant: 'Q8_0', env: { HF_ENDPOINT: hub.endpoint } }),
      ChecksumMismatchError,
    );
    hub.faults = {};
    assert.deepEqual(blobNames(layout), []);
    assert.deepEqual((await readManifest(layout)).entries, []);
    assert.deepEqual(readdirSync(layout.partialDir), [], 'the bad partial is discarded');
    const again = await pullModel(layout, {
      reference: 'org/Small-GGUF',
      quant: 'Q8_0',
      env: { HF_ENDPOINT: hub.endpoint },
    });
    assert.equal(again.entries[0]?.sha256, files.small!.sha256);
  });

  test('dropped connections are retried with backoff and the file still verifies', async () => {
    const { layout } = freshStore('drops');
    hub.resetStats();
    hub.faults = { dropAfterBytes: 3 * MiB, dropTimes: 4 };
    const retries: string[] = [];
    const bus = new EventBus();
    bus.on((e) => {
      if (e.kind === 'download:retry') retries.push(e.reason);
    });
    const result = await pullModel(layout, {
      reference: 'org/Small-GGUF',
      quant: 'Q8_0',
      env: { HF_ENDPOINT: hub.endpoint },
      bus,
      retry: FAST_RETRY,
      connections: 4,
    });
    hub.faults = {};
    assert.equal(result.entries[0]?.sha256, files.small!.sha256);
    assert.ok(hub.stats.drops >= 3, `drops ${hub.stats.drops}`);
    assert.ok(retries.length >= 3, `retries ${retries.length}`);
  });

  test('a disk too small is refused before any byte is fetched', async () => {
    const { layout } = freshStore('small-disk');
    hub.resetStats();
    await assert.rejects(
      pullModel(layout, {
        reference: 'org/Mid-GGUF',
        env: { HF_ENDPOINT: hub.endpoint },
        freeSpace: async () => 10 * MiB,
      }),
      (e: unknown) =>
        e instanceof DiskSpaceError &&
        /not enough disk space/.test(e.message) &&
        /OPS_HOME/.test(e.hint ?? ''),
    );
    assert.equal(hub.stats.bodyBytes, 0);
    assert.deepEqual(blobNames(layout), []);
  });

  test('a disk that fills up mid-download leaves the store consistent, and the pull resumes later', async () => {
    const { layout } = freshStore('enospc');
    let written = 0;
    const fullAfter = 9 * MiB;
    await assert.rejects(
      pullModel(layout, {
        reference: 'org/Small-GGUF',
        quant: 'Q8_0',
        env: { HF_ENDPOINT: hub.endpoint },
        connections: 2,
        write: async (handle, data, position) => {
          if (written + data.length > fullAfter)
            throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
          written += data.length;
          await handle.write(data, 0, data.length, position);
        },
      }),
      (e: unknown) => e instanceof DiskSpaceError && /filled up/.test(e.message),
    );
    assert.deepEqual(blobNames(layout), []);
    assert.deepEqual((await readManifest(layout)).entries, []);
    hub.resetStats();
    const result = await pullModel(layout, {
      reference: 'org/Small-GGUF',
      quant: 'Q8_0',
      env: { HF_ENDPOINT: hub.endpoint },
    });
    assert.equal(result.entries[0]?.sha256, files.small!.sha256);
    assert.ok(hub.stats.bodyBytes < files.small!.bytes, 'bytes written before the disk filled were kept');
  });

  test('a repo with several quants needs --quant; a checkpoint repo pulls every file (git oids checked)', async () => {
    const { layout } = freshStore('select');
    await assert.rejects(
      pullModel(layout, { reference: 'org/Small-GGUF', env: { HF_ENDPOINT: hub.endpoint } }),
      (e: Error & { hint?: string }) => /Q4_0, Q8_0/.test(e.hint ?? ''),
    );
    const checkpoint = await pullModel(layout, {
      reference: 'org/Checkpoint',
      env: { HF_ENDPOINT: hub.endpoint },
    });
    assert.deepEqual(
      checkpoint.entries.map((e) => e.file),
      ['config.json', 'tokenizer.json'],
    );
  });
});

describe('references, rm and gc', () => {
  test('a blob a Plan uses is never deleted; rm works once the Plan lets go; gc removes orphans and partials', async () => {
    const { home, layout } = freshStore('refs');
    await pullModel(layout, {
      reference: 'org/Small-GGUF',
      quant: 'Q8_0',
      env: { HF_ENDPOINT: hub.endpoint },
    });
    const blob = join(layout.blobsDir, files.small!.sha256);
    writeFileSync(
      join(home, 'plan.yaml'),
      `version: 1\nengines:\n  - name: coder\n    engine: llama.cpp\n    model: ${blob}\n`,
    );
    assert.equal((await listStoredModels(layout))[0]?.refs, 1);
    await assert.rejects(removeModels(layout, 'org/Small-GGUF'), /still uses/);
    const gc = await collectGarbage(layout, { unused: true });
    assert.deepEqual(gc.unusedEntries, []);
    assert.ok(existsSync(blob));

    rmSync(join(home, 'plan.yaml'));
    writeFileSync(join(layout.blobsDir, 'f'.repeat(64)), 'orphan');
    writeFileSync(join(layout.partialDir, 'abandoned.partial'), 'x');
    const removed = await removeModels(layout, 'org/Small-GGUF:Q8_0');
    assert.deepEqual(removed.removedBlobs, [files.small!.sha256]);
    assert.ok(!existsSync(blob));
    const swept = await collectGarbage(layout);
    assert.deepEqual(swept.orphanBlobs, ['f'.repeat(64)]);
    assert.equal(swept.scratchFiles.length, 1);
    assert.deepEqual(JSON.parse(await readFile(layout.manifestFile, 'utf8')).entries, []);
  });
});
