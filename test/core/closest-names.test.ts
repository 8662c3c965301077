import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { knownModelIds } from '../../src/catalog/known-model-ids.js';
import { closestNames, editDistance } from '../../src/core/closest-names.js';
import { OpsError } from '../../src/core/errors.js';

const IDS = [
  'qwen2.5-coder-32b',
  'qwen2.5-coder-7b',
  'qwen2.5-7b',
  'qwen3-coder-30b-a3b',
  'ops-smoke-tiny',
  'llama-3.1-70b',
];

describe('editDistance', () => {
  const cases: [string, string, number][] = [
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['qwen', 'qewn', 1], // a swap of neighbours is one edit
    ['status', 'stauts', 1],
  ];
  for (const [a, b, d] of cases) it(`${a} ↔ ${b} = ${d}`, () => assert.equal(editDistance(a, b), d));

  it('is symmetric and zero only for equal strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        assert.equal(editDistance(a, b), editDistance(b, a));
        assert.equal(editDistance(a, b) === 0, a === b);
      }),
    );
  });
});

describe('closestNames', () => {
  it('puts the one-edit typo first', () => {
    assert.equal(closestNames('qwen2.5-coder-7', IDS)[0], 'qwen2.5-coder-7b');
    assert.equal(closestNames('ops-smoke-tyni', IDS)[0], 'ops-smoke-tiny');
  });
  it('offers every id containing a fragment', () => {
    assert.deepEqual(closestNames('llama', IDS), ['llama-3.1-70b']);
    assert.ok(closestNames('coder', IDS).length >= 3);
  });
  it('offers nothing for a name unlike any', () => assert.deepEqual(closestNames('nope', IDS), []));
  it('is case-insensitive and limited', () => {
    assert.equal(closestNames('QWEN2.5-CODER-7B', IDS)[0], 'qwen2.5-coder-7b');
    assert.ok(closestNames('qwen', IDS, 2).length <= 2);
  });
});

describe('knownModelIds (ops plan --models)', () => {
  const catalog = { models: IDS.map((id) => ({ id })) } as unknown as Parameters<typeof knownModelIds>[1];
  it('returns the ids when the catalog has them all', () =>
    assert.deepEqual(knownModelIds(' qwen2.5-7b , ops-smoke-tiny,', catalog), [
      'qwen2.5-7b',
      'ops-smoke-tiny',
    ]));
  it('is a usage error naming every unknown id, with the close ones', () => {
    assert.throws(
      () => knownModelIds('qwen2.5-coder-7,nope,qwen2.5-7b', catalog),
      (e: unknown) =>
        e instanceof OpsError &&
        e.exitCode === 2 &&
        /unknown model ids qwen2\.5-coder-7, nope/.test(e.message) &&
        /qwen2\.5-coder-7: did you mean qwen2\.5-coder-7b/.test(e.hint ?? '') &&
        /nope: nothing close/.test(e.hint ?? ''),
    );
  });
  it('refuses an empty list', () => assert.throws(() => knownModelIds(',', catalog), /names no model/));
});
