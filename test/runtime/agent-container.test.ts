import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { type AgentContainerInput, agentContainerSpec } from '../../src/runtime/agent-container.js';
import { configHash } from '../../src/runtime/config-hash.js';
import { toDockerCreateOptions } from '../../src/runtime/docker-create-options.js';

const input: AgentContainerInput = {
  deployment: 'lab',
  image: 'ops/agent:1',
  stateRoot: '/home/me/.local/share/ops',
  metricsHost: '127.0.0.1',
  metricsPort: 9470,
  gpus: [0, 1],
  powercap: true,
  planSha256: 'a'.repeat(64),
  user: '1000:1000',
};

describe('agent container', () => {
  it('runs like the other services: restarted by Docker, labelled, on the host network, as the user', () => {
    const spec = agentContainerSpec(input);
    assert.equal(spec.name, 'ops-lab-agent');
    assert.equal(spec.restartPolicy, 'unless-stopped');
    assert.equal(spec.network, 'host');
    assert.equal(spec.user, '1000:1000');
    assert.deepEqual(spec.labels, {
      'ops.managed': 'true',
      'ops.deployment': 'lab',
      'ops.role': 'agent',
      'ops.name': 'agent',
      'ops.url': 'http://127.0.0.1:9470',
      'ops.state-dir': '/home/me/.local/share/ops',
    });
    const created = toDockerCreateOptions(spec, configHash(spec));
    assert.deepEqual(created.HostConfig?.RestartPolicy, { Name: 'unless-stopped' });
    assert.equal(created.HostConfig?.NetworkMode, 'host');
  });

  it('gets $OPS_HOME read-write at the same path and RAPL read-only, and nothing else', () => {
    const spec = agentContainerSpec(input);
    assert.equal(spec.env.OPS_HOME, input.stateRoot);
    assert.deepEqual(spec.mounts, [
      { source: input.stateRoot, target: input.stateRoot, readOnly: false },
      { source: '/sys/class/powercap', target: '/sys/class/powercap', readOnly: true },
    ]);
    assert.deepEqual(agentContainerSpec({ ...input, powercap: false }).mounts.length, 1);
  });

  it('asks for the host’s GPUs by index with the utility capability only (nvidia-smi), and for nothing on a box without GPUs', () => {
    const gpu = toDockerCreateOptions(agentContainerSpec(input), 'h');
    assert.deepEqual(gpu.HostConfig?.DeviceRequests, [
      { Driver: 'nvidia', DeviceIDs: ['0', '1'], Capabilities: [['gpu']] },
    ]);
    assert.ok(gpu.Env?.includes('NVIDIA_DRIVER_CAPABILITIES=utility'));
    const cpu = toDockerCreateOptions(agentContainerSpec({ ...input, gpus: [] }), 'h');
    assert.equal(cpu.HostConfig?.DeviceRequests, undefined);
    assert.ok(!cpu.Env?.some((e) => e.startsWith('NVIDIA_')));
  });

  it('is replaced when the Plan it read at start or its metrics port changes, and only then', () => {
    const hash = configHash(agentContainerSpec(input));
    assert.equal(configHash(agentContainerSpec({ ...input })), hash);
    assert.notEqual(configHash(agentContainerSpec({ ...input, planSha256: 'c'.repeat(64) })), hash);
    assert.notEqual(configHash(agentContainerSpec({ ...input, metricsPort: 9471 })), hash);
  });

  it('checks its own /metrics with the node it runs on (the image has no curl)', () => {
    const test = agentContainerSpec({ ...input, metricsHost: '0.0.0.0', metricsPort: 9555 }).healthcheck.test;
    assert.equal(test[1], '/opt/ops/node');
    assert.match(test.at(-1) ?? '', /fetch\("http:\/\/127\.0\.0\.1:9555\/metrics"\)/);
  });
});
