import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { type ModelReference, parseModelReference } from '../../src/store/model-reference.js';

describe('parseModelReference', () => {
  const cases: Array<[string, ModelReference]> = [
    [
      'Qwen/Qwen2.5-Coder-7B-Instruct-GGUF',
      { kind: 'hub', repo: 'Qwen/Qwen2.5-Coder-7B-Instruct-GGUF', file: undefined },
    ],
    ['org/repo:model-q8_0.gguf', { kind: 'hub', repo: 'org/repo', file: 'model-q8_0.gguf' }],
    ['org/repo:sub/dir/file.gguf', { kind: 'hub', repo: 'org/repo', file: 'sub/dir/file.gguf' }],
    ['gpt2', { kind: 'hub', repo: 'gpt2', file: undefined }],
    ['  org/repo  ', { kind: 'hub', repo: 'org/repo', file: undefined }],
    ['https://example.test/m.gguf', { kind: 'url', url: 'https://example.test/m.gguf' }],
    ['HTTP://example.test/m.gguf', { kind: 'url', url: 'HTTP://example.test/m.gguf' }],
    ['/models/m.gguf', { kind: 'local', path: '/models/m.gguf' }],
    ['./m.gguf', { kind: 'local', path: './m.gguf' }],
    ['~/m.gguf', { kind: 'local', path: '~/m.gguf' }],
  ];
  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} → ${expected.kind}`, () =>
      assert.deepEqual(parseModelReference(text), expected));
  }

  test('a bare name that exists on disk is a local file', () =>
    assert.deepEqual(
      parseModelReference('m.gguf', (p) => p === 'm.gguf'),
      { kind: 'local', path: 'm.gguf' },
    ));

  for (const bad of ['org/repo:', 'a/b/c', 'org/../etc', '-org/repo', 'org repo', '']) {
    test(`${JSON.stringify(bad)} is refused with the field named`, () =>
      assert.throws(
        () => parseModelReference(bad),
        (e: unknown) => e instanceof ValidationError && /not owner\/name/.test(JSON.stringify(e)),
      ));
  }
});
