import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { createScratchDir, mountsBelow, removeScratchDir } from '../../src/images/scratch-dir.js';

// proc(5) mountinfo lines: the fifth field is the mount point, with spaces escaped as \040.
const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '90 22 0:5 / /tmp/ops-rootfs-abc/root/proc rw - proc proc rw',
  '91 22 0:6 / /tmp/ops-rootfs-abc/root/sys rw - sysfs sysfs rw',
  '92 22 0:7 /null /tmp/ops-rootfs-abc/root/dev/null rw - devtmpfs udev rw',
  '93 22 0:8 / /tmp/ops-rootfs-abc/with\\040space rw - tmpfs tmpfs rw',
  '94 22 0:9 / /tmp/ops-rootfs-abcdef/root/proc rw - proc proc rw',
].join('\n');

describe('mountsBelow', () => {
  it('lists mounts strictly below the directory, deepest first, unescaping names', () => {
    assert.deepEqual(
      mountsBelow(MOUNTINFO, '/tmp/ops-rootfs-abc'),
      [
        '/tmp/ops-rootfs-abc/root/dev/null',
        '/tmp/ops-rootfs-abc/root/proc',
        '/tmp/ops-rootfs-abc/with space',
        '/tmp/ops-rootfs-abc/root/sys',
      ].sort((a, b) => b.length - a.length),
    );
  });

  it('does not match a sibling whose name starts the same', () => {
    assert.ok(
      !mountsBelow(MOUNTINFO, '/tmp/ops-rootfs-abc').some((m) => m.startsWith('/tmp/ops-rootfs-abcdef')),
    );
    assert.deepEqual(
      mountsBelow(MOUNTINFO, '/'),
      mountsBelow(MOUNTINFO, '/').filter((m) => m !== '/'),
    );
  });
});

describe('removeScratchDir', () => {
  it('deletes a scratch directory with its contents', () => {
    const dir = createScratchDir('ops-scratch-test-');
    mkdirSync(join(dir, 'root', 'etc'), { recursive: true });
    writeFileSync(join(dir, 'root', 'etc', 'hostname'), 'x');
    removeScratchDir(dir);
    assert.equal(existsSync(dir), false);
  });
});
