import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { sandboxJobSpec } from '../../src/eval/sandbox.js';
import { toDockerJobOptions } from '../../src/runtime/docker-job-options.js';

describe('sandbox job spec', () => {
  it('confines every run: no network, read-only root, sized tmpfs, limits, no capabilities, not root', () => {
    const spec = sandboxJobSpec(
      { files: {}, command: ['true'], deployment: 't-x' },
      '/tmp/task',
      'ops-sandbox-1',
    );
    const options = toDockerJobOptions(spec);
    const host = options.HostConfig!;
    assert.equal(host.NetworkMode, 'none');
    assert.equal(options.NetworkDisabled, true);
    assert.equal(host.ReadonlyRootfs, true);
    assert.match(host.Tmpfs!['/work']!, /size=33554432/);
    assert.equal(host.Memory, host.MemorySwap, 'no swap beyond the memory limit');
    assert.equal(host.PidsLimit, 64);
    assert.equal(host.NanoCpus, 1e9);
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
    assert.doesNotMatch(options.User!, /^0(:|$)/);
    assert.deepEqual(host.Mounts, [{ Type: 'bind', Source: '/tmp/task', Target: '/task', ReadOnly: true }]);
    assert.equal(options.Labels!['ops.role'], 'job');
    assert.equal(options.Labels!['ops.deployment'], 't-x');
  });

  it("takes the agentic suite's read-only mounts and bigger limits, and still no network", () => {
    const spec = sandboxJobSpec(
      {
        files: {},
        command: ['true'],
        mounts: [{ source: '/tmp/relay', target: '/run/ops-relay' }],
        limits: { memoryBytes: 1 << 30, cpus: 2 },
      },
      '/tmp/t',
      'n',
    );
    assert.equal(spec.network, 'none');
    assert.equal(toDockerJobOptions(spec).NetworkDisabled, true);
    assert.deepEqual(spec.mounts[1], { source: '/tmp/relay', target: '/run/ops-relay', readOnly: true });
    assert.equal(spec.limits.nanoCpus, 2e9);
    assert.equal(spec.readOnlyRoot, true);
  });
});
