import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { ContainerSpec } from '../../src/engines/types.js';
import type { ManagedContainer } from '../../src/runtime/container-runtime.js';
import { reconcile } from '../../src/runtime/reconcile.js';

const want = (name: string, hash: string) => ({
  name,
  hash,
  spec: { name: `ops-d-${name}` } as ContainerSpec,
  health: { url: 'http://127.0.0.1:1', path: '/health', timeoutS: 1 },
});
const have = (
  name: string,
  hash: string,
  state: ManagedContainer['state'] = 'running',
): ManagedContainer => ({
  id: `id-${name}-${hash}`,
  name: `ops-d-${name}`,
  image: 'img',
  labels: { 'ops.name': name, 'ops.config-hash': hash },
  state,
  hostPorts: [],
});

describe('reconcile', () => {
  it('creates what is missing, reuses what is unchanged, replaces what changed, removes what left the Plan', () => {
    const actions = reconcile(
      [want('a', 'h1'), want('b', 'h2'), want('c', 'h3')],
      [have('a', 'h1'), have('b', 'old'), have('gone', 'h9')],
    );
    assert.deepEqual(
      actions.map((a) => [a.kind, 'desired' in a ? a.desired.name : a.existing.labels['ops.name']]),
      [
        ['reuse', 'a'],
        ['replace', 'b'],
        ['create', 'c'],
        ['remove', 'gone'],
      ],
    );
  });

  it('starts a stopped container whose config is unchanged, and removes duplicates', () => {
    const actions = reconcile([want('a', 'h1')], [have('a', 'h1', 'exited'), have('a', 'h1')]);
    assert.deepEqual(
      actions.map((a) => a.kind),
      ['remove', 'start'],
    );
  });

  it('is a no-op on a second run with the same Plan', () => {
    const actions = reconcile([want('a', 'h1'), want('b', 'h2')], [have('a', 'h1'), have('b', 'h2')]);
    assert.ok(actions.every((a) => a.kind === 'reuse'));
  });
});
