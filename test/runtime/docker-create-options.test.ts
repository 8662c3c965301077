import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { llamaCppAdapter } from '../../src/engines/llama-cpp-adapter.js';
import type { LlamaCppEntry } from '../../src/plan/types.js';
import { canonicalJson, configHash } from '../../src/runtime/config-hash.js';
import { toDockerCreateOptions } from '../../src/runtime/docker-create-options.js';
import { demuxDockerLogs } from '../../src/runtime/docker-log-frames.js';

const entry: LlamaCppEntry = {
  engine: 'llama.cpp',
  name: 'coder',
  model: '/m/a.gguf',
  contextLength: 4096,
  parallel: 1,
  gpus: [0],
  args: [],
  aliases: [],
  port: 18080,
  host: '127.0.0.1',
  healthTimeoutS: 60,
};
const ctx = { deployment: 'd', modelIdentity: '1:2' };

describe('toDockerCreateOptions', () => {
  it('maps ports, read-only mounts, GPU device requests, healthcheck (ns), restart policy and labels', () => {
    const spec = llamaCppAdapter.containerSpec(entry, { ...ctx, user: '1000:1000' });
    const opts = toDockerCreateOptions(spec, 'abc');
    assert.equal(opts.User, '1000:1000');
    assert.equal(opts.name, 'ops-d-coder');
    assert.deepEqual(opts.HostConfig?.PortBindings, {
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }],
    });
    assert.deepEqual(opts.HostConfig?.Mounts, [
      { Type: 'bind', Source: '/m', Target: '/models', ReadOnly: true },
    ]);
    assert.deepEqual(opts.HostConfig?.DeviceRequests, [
      { Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] },
    ]);
    assert.deepEqual(opts.HostConfig?.RestartPolicy, { Name: 'unless-stopped' });
    assert.equal(opts.Healthcheck?.Interval, 10_000_000_000);
    assert.equal(opts.Labels?.['ops.config-hash'], 'abc');
    assert.equal(opts.Labels?.['ops.managed'], 'true');
  });

  it('asks for all GPUs with Count -1 and none at all on the CPU', () => {
    const all = toDockerCreateOptions(llamaCppAdapter.containerSpec({ ...entry, gpus: 'all' }, ctx), 'h');
    assert.deepEqual(all.HostConfig?.DeviceRequests, [
      { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] },
    ]);
    const cpu = toDockerCreateOptions(llamaCppAdapter.containerSpec({ ...entry, gpus: [] }, ctx), 'h');
    assert.equal(cpu.HostConfig?.DeviceRequests, undefined);
  });
});

describe('configHash', () => {
  it('is stable under key order and changes with any field, the model identity included', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
    const spec = llamaCppAdapter.containerSpec(entry, ctx);
    assert.equal(configHash(spec), configHash({ ...spec }));
    assert.notEqual(
      configHash(spec),
      configHash(llamaCppAdapter.containerSpec({ ...entry, contextLength: 8192 }, ctx)),
    );
    assert.notEqual(
      configHash(spec),
      configHash(llamaCppAdapter.containerSpec(entry, { ...ctx, modelIdentity: '1:3' })),
    );
  });
});

describe('demuxDockerLogs', () => {
  it('joins stdout and stderr frames in order and keeps unframed output', () => {
    const frame = (id: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = id;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    assert.equal(demuxDockerLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')])), 'out\nerr\n');
    assert.equal(demuxDockerLogs(Buffer.from('plain tty text\n')), 'plain tty text\n');
  });
});
