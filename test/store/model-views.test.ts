import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { materializeView, removeViewLinks } from '../../src/store/model-views.js';

describe('model views: repo file names over content-addressed blobs', () => {
  const root = mkdtempSync(join(tmpdir(), 'ops-views-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const blobs = join(root, 'blobs');
  mkdirSync(blobs);
  const shard = (n: number) => {
    const blob = join(blobs, `blob${n}`);
    writeFileSync(blob, `shard ${n}`);
    return { path: `sub/big-0000${n}-of-00002.gguf`, blob };
  };
  const view = { dir: join(root, 'views', 'org', 'repo', 'c1', 'Q4_K_M'), files: [shard(1), shard(2)] };

  it('links every file under its repo name without copying, and a second run changes nothing', () => {
    materializeView(view);
    materializeView(view);
    for (const f of view.files) {
      const linked = join(view.dir, f.path);
      assert.equal(statSync(linked).ino, statSync(f.blob).ino);
      assert.equal(readFileSync(linked, 'utf8'), readFileSync(f.blob, 'utf8'));
    }
  });

  it('removing a blob takes its view links and the emptied directories with it', () => {
    const gone = view.files[0]!;
    assert.equal(removeViewLinks(join(root, 'views'), statSync(gone.blob)), 1);
    assert.equal(existsSync(join(view.dir, gone.path)), false);
    assert.equal(existsSync(join(view.dir, view.files[1]!.path)), true);
    removeViewLinks(join(root, 'views'), statSync(view.files[1]!.blob));
    assert.equal(existsSync(join(root, 'views', 'org')), false);
    assert.equal(existsSync(join(root, 'views')), true);
  });
});
