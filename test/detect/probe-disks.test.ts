import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { probeDisks, type SystemInfoSource } from '../../src/detect/host-probe.js';

const GiB = 1024 ** 3;
const source = {
  fsSize: async () => [
    { fs: '/dev/nvme0n1p2', type: 'ext4', size: 900 * GiB, available: 400 * GiB, mount: '/' },
    { fs: '/dev/sdb1', type: 'xfs', size: 4000 * GiB, available: 3000 * GiB, mount: '/srv/models' },
    {
      fs: 'overlay',
      type: 'overlay',
      size: 900 * GiB,
      available: 400 * GiB,
      mount: '/var/lib/docker/overlay2/abc/merged',
    },
    { fs: 'tmpfs', type: 'tmpfs', size: 8 * GiB, available: 8 * GiB, mount: '/run' },
  ],
  blockDevices: async () => [],
} as unknown as SystemInfoSource;

describe('probeDisks', () => {
  it('lists real file systems, not container layers or memory ones, and marks the one holding the model store', async () => {
    const disks = await probeDisks('/srv/models/ops', source);
    assert.deepEqual(
      disks.map((d) => [d.mount, d.holdsModelStore]),
      [
        ['/', false],
        ['/srv/models', true],
      ],
    );
  });
});
