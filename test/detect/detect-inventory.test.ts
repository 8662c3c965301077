import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { detectInventory } from '../../src/detect/detect-inventory.js';
import { probeDocker } from '../../src/detect/docker-probe.js';
import type { SystemInfoSource } from '../../src/detect/host-probe.js';
import { PciGraphicsStrategy } from '../../src/detect/pci-graphics-strategy.js';

/** systeminformation records as recorded on a workstation with an NVMe data disk. */
const workstation: SystemInfoSource = {
  cpu: async () => ({
    manufacturer: 'AMD',
    brand: 'Ryzen Threadripper PRO 7975WX 32-Cores',
    cores: 64,
    physicalCores: 32,
    processors: 1,
    flags: '',
  }),
  cpuFlags: async () =>
    'fpu sse4_2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni avx512_bf16 sha_ni',
  mem: async () => ({ total: 256 * 1024 ** 3, available: 240 * 1024 ** 3, swaptotal: 8 * 1024 ** 3 }),
  osInfo: async () => ({
    platform: 'linux',
    distro: 'Ubuntu',
    release: '24.04.1 LTS',
    codename: 'noble',
    kernel: '6.8.0-45-generic',
    arch: 'x64',
  }),
  fsSize: async () => [
    { fs: '/dev/sda2', type: 'ext4', size: 500e9, available: 300e9, mount: '/' },
    { fs: '/dev/nvme0n1p1', type: 'xfs', size: 4e12, available: 3.5e12, mount: '/data' },
    { fs: 'tmpfs', type: 'tmpfs', size: 1e9, available: 1e9, mount: '/run' },
  ],
  blockDevices: async () => [
    { name: 'sda2', type: 'part', protocol: 'sata', device: '/dev/sda' },
    { name: 'nvme0n1p1', type: 'part', protocol: 'nvme', device: '/dev/nvme0n1' },
  ],
};

describe('detectInventory with injected sources', () => {
  it('reports CPU, memory, disks (NVMe, model store), OS, Docker and the GPUs', async () => {
    const inventory = await detectInventory({
      strategies: [new PciGraphicsStrategy(async () => [])],
      system: workstation,
      docker: async () => ({
        info: {
          ServerVersion: '27.3.1',
          Runtimes: { runc: {}, nvidia: {} },
          DefaultRuntime: 'runc',
          CDISpecDirs: ['/etc/cdi'],
        },
        version: { Version: '27.3.1', ApiVersion: '1.47' },
      }),
      modelStorePath: '/data/ops/models',
    });
    assert.equal(inventory.source, 'local');
    assert.deepEqual(inventory.gpus, []);
    assert.equal(inventory.cpu?.model, 'AMD Ryzen Threadripper PRO 7975WX 32-Cores');
    assert.equal(inventory.cpu?.cores, 32);
    assert.equal(inventory.cpu?.threads, 64);
    assert.ok(inventory.cpu?.flags.includes('avx512f'));
    assert.ok(!inventory.cpu?.flags.includes('sha_ni'), 'only flags that matter for inference are kept');
    assert.equal(inventory.memory?.totalBytes, 256 * 1024 ** 3);
    assert.deepEqual(
      inventory.disks.map((d) => [d.mount, d.nvme, d.holdsModelStore]),
      [
        ['/', false, false],
        ['/data', true, true],
      ],
    );
    assert.equal(inventory.os?.distro, 'Ubuntu');
    assert.equal(inventory.docker?.present, true);
    assert.equal(inventory.docker?.nvidiaRuntime, true);
    assert.equal(inventory.docker?.cdiEnabled, true);
  });
});

describe('probeDocker', () => {
  it('reports an unreachable daemon with its reason instead of failing', async () => {
    const docker = await probeDocker(async () => {
      throw new Error('no Docker daemon answered; tried:\n  - socket /var/run/docker.sock: ENOENT');
    });
    assert.equal(docker.present, false);
    assert.equal(docker.error, 'no Docker daemon answered; tried:');
  });

  it('finds an NVIDIA CDI spec in the daemon CDI directories', async () => {
    const facts = async () => ({
      info: { CDISpecDirs: ['/etc/cdi', '/var/run/cdi'] },
      version: { Version: '28.2.2' },
    });
    const withSpec = await probeDocker(facts, async (dir) => (dir === '/var/run/cdi' ? ['nvidia.yaml'] : []));
    assert.equal(withSpec.nvidiaCdiSpec, true);
    assert.equal(withSpec.nvidiaRuntime, false);
    const without = await probeDocker(facts, async () => ['other-vendor.json']);
    assert.equal(without.nvidiaCdiSpec, false);
  });
});
