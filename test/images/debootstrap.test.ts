import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { findDebootstrap, shrinkRoot } from '../../src/images/debootstrap.js';

const withTempDir = (run: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-debootstrap-test-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('findDebootstrap', () => {
  it('says it needs root before anything else', () => {
    assert.throws(
      () => findDebootstrap({ PATH: '/usr/sbin' }, 1000),
      (error: unknown) =>
        error instanceof OpsError && /needs root/.test(error.message) && /sudo/.test(error.hint ?? ''),
    );
  });

  it('finds an executable debootstrap on PATH', () => {
    withTempDir((dir) => {
      writeFileSync(join(dir, 'debootstrap'), '#!/bin/sh\n');
      chmodSync(join(dir, 'debootstrap'), 0o755);
      assert.equal(findDebootstrap({ PATH: dir }, 0), join(dir, 'debootstrap'));
    });
  });

  it('hints at apt-get install debootstrap when it is missing', () => {
    if (existsSync('/usr/sbin/debootstrap') || existsSync('/sbin/debootstrap')) {
      // sbin is always searched; the missing case is only observable on a machine without it.
      return;
    }
    assert.throws(
      () => findDebootstrap({ PATH: '/nonexistent' }, 0),
      (error: unknown) => error instanceof OpsError && /apt-get install debootstrap/.test(error.hint ?? ''),
    );
  });
});

describe('shrinkRoot', () => {
  it('empties apt lists, caches, logs and tmp but keeps their directories and the debconf database', () => {
    withTempDir((root) => {
      const file = (path: string) => {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), 'x');
      };
      for (const dir of [
        'var/lib/apt/lists/partial',
        'var/cache/apt/archives/partial',
        'var/log/apt',
        'tmp',
      ]) {
        mkdirSync(join(root, dir), { recursive: true });
      }
      file('var/lib/apt/lists/mirror_dists_sid_InRelease');
      file('var/cache/apt/pkgcache.bin');
      file('var/cache/apt/archives/curl_8_amd64.deb');
      file('var/log/apt/history.log');
      file('var/log/dpkg.log');
      file('var/cache/debconf/config.dat');
      file('var/cache/debconf/config.dat-old');
      file('tmp/leftover');
      file('usr/bin/llama-server');
      // A link pointing outside the root must be removed as a link, its target untouched.
      const outside = join(root, '..', `${root.split('/').pop()}-outside`);
      writeFileSync(outside, 'keep');
      symlinkSync(outside, join(root, 'var/log/link'));
      try {
        shrinkRoot(root);
        for (const gone of [
          'var/lib/apt/lists/mirror_dists_sid_InRelease',
          'var/cache/apt/pkgcache.bin',
          'var/cache/apt/archives/curl_8_amd64.deb',
          'var/log/apt/history.log',
          'var/log/dpkg.log',
          'var/log/link',
          'var/cache/debconf/config.dat-old',
          'tmp/leftover',
        ]) {
          assert.equal(existsSync(join(root, gone)), false, gone);
        }
        for (const kept of [
          'var/lib/apt/lists/partial',
          'var/cache/apt/archives/partial',
          'var/log/apt',
          'var/cache/debconf/config.dat',
          'usr/bin/llama-server',
          'tmp',
        ]) {
          assert.equal(existsSync(join(root, kept)), true, kept);
        }
        assert.equal(existsSync(outside), true);
      } finally {
        rmSync(outside, { force: true });
      }
    });
  });
});
