import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { llamaCppAdapter } from '../../src/engines/llama-cpp-adapter.js';
import type { LlamaCppEntry } from '../../src/plan/types.js';
import { containerNetworkFromEnv } from '../../src/runtime/container-network.js';
import { toDockerCreateOptions } from '../../src/runtime/docker-create-options.js';

const entry = (port: number) =>
  ({
    engine: 'llama.cpp',
    name: 'coder',
    model: '/models/m.gguf',
    contextLength: 2048,
    parallel: 1,
    gpus: [],
    port,
    host: '127.0.0.1',
    args: [],
    healthTimeoutS: 60,
  }) as unknown as LlamaCppEntry;
const ctx = { deployment: 't', modelIdentity: 'x' };

describe('OPS_CONTAINER_NETWORK', () => {
  it('reads container:<name>, nothing when unset, and refuses anything else', () => {
    assert.deepEqual(containerNetworkFromEnv({}), {});
    assert.deepEqual(containerNetworkFromEnv({ OPS_CONTAINER_NETWORK: 'container:t-abc-netns' }), {
      joinContainer: 't-abc-netns',
    });
    for (const bad of ['host', 'bridge', 'container:', 'container:a b'])
      assert.throws(
        () => containerNetworkFromEnv({ OPS_CONTAINER_NETWORK: bad }),
        (e: Error & { exitCode?: number }) => /must be container:/.test(e.message) && e.exitCode === 2,
      );
  });

  it("joins the named container's namespace and publishes nothing", () => {
    const spec = llamaCppAdapter.containerSpec(entry(8080), ctx);
    const joined = toDockerCreateOptions(spec, 'h', { joinContainer: 'holder' });
    assert.equal(joined.HostConfig?.NetworkMode, 'container:holder');
    assert.equal(joined.HostConfig?.PortBindings, undefined);
    assert.equal(joined.ExposedPorts, undefined);
    // Unchanged without it.
    const plain = toDockerCreateOptions(spec, 'h');
    assert.equal(plain.HostConfig?.NetworkMode, undefined);
    assert.deepEqual(plain.HostConfig?.PortBindings, {
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
    });
  });

  it('refuses an engine whose Plan port differs from the port it listens on inside (nothing would answer there)', () => {
    const spec = llamaCppAdapter.containerSpec(entry(9001), ctx);
    assert.throws(
      () => toDockerCreateOptions(spec, 'h', { joinContainer: 'holder' }),
      /listens on port 8080 inside .* port 9001/,
    );
  });
});
