import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicAsync } from '../../src/core/atomic-write.js';

describe('the one atomic file write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-atomic-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a file whole, with the mode asked for, and leaves no temporary file', () => {
    const file = join(dir, 'a', 'plan.yaml');
    writeFileAtomic(file, 'one\n', { mkdir: true });
    writeFileAtomic(file, 'two\n', { mode: 0o600 });
    assert.equal(readFileSync(file, 'utf8'), 'two\n');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'a')), ['plan.yaml']);
  });

  it('leaves the old file and no temporary file when the write cannot finish', () => {
    const target = join(dir, 'b');
    mkdirSync(join(target, 'busy'), { recursive: true });
    // A directory in the way: the rename fails after the temporary file was written.
    assert.throws(() => writeFileAtomic(join(target, 'busy'), 'x'));
    assert.deepEqual(readdirSync(target), ['busy']);
  });

  it('has a form that does not block, which can make the content durable first; overlapping writes both land', async () => {
    const file = join(dir, 'manifest.json');
    await Promise.all([
      writeFileAtomicAsync(file, '{"n":1}', { fsync: true }),
      writeFileAtomicAsync(file, '{"n":2}', { fsync: true }),
    ]);
    assert.match(readFileSync(file, 'utf8'), /^\{"n":[12]\}$/);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('manifest')),
      ['manifest.json'],
    );
    await assert.rejects(writeFileAtomicAsync(join(dir, 'missing', 'x'), 'x'));
  });
});
