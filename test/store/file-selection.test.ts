import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { quantFromFileName, selectFiles } from '../../src/store/file-selection.js';
import type { RemoteFile } from '../../src/store/types.js';

const file = (path: string): RemoteFile => ({ path, bytes: 1, sha256: undefined });
const paths = (files: RemoteFile[]) => files.map((f) => f.path);

describe('quantFromFileName', () => {
  const cases: Array<[string, string | undefined]> = [
    ['model-Q4_K_M.gguf', 'Q4_K_M'],
    ['model.q4_k_m.gguf', 'Q4_K_M'],
    ['model-Q4_K.gguf', 'Q4_K'],
    ['model-Q8_0.gguf', 'Q8_0'],
    ['sub/dir/Model-F16.gguf', 'F16'],
    ['model-BF16-00001-of-00002.gguf', 'BF16'],
    ['model-IQ4_XS.gguf', 'IQ4_XS'],
    ['model.gguf', undefined],
    ['XQ8_0.gguf', undefined], // glued to a letter: not a quant tag
  ];
  for (const [name, expected] of cases) {
    test(`${name} → ${expected}`, () => assert.equal(quantFromFileName(name), expected));
  }
});

describe('selectFiles', () => {
  const gguf = [
    'README.md',
    'm-Q8_0.gguf',
    'm-Q4_K_M-00002-of-00002.gguf',
    'm-Q4_K_M-00001-of-00002.gguf',
    'other-Q4_K_M-00001-of-00002.gguf',
  ].map(file);
  const cases: Array<[string, RemoteFile[], { file?: string; quant?: string }, string, string[]]> = [
    [
      'a quant picks its shards, sorted',
      gguf,
      { quant: 'q4_k_m' },
      'Q4_K_M',
      ['m-Q4_K_M-00001-of-00002.gguf', 'm-Q4_K_M-00002-of-00002.gguf', 'other-Q4_K_M-00001-of-00002.gguf'],
    ],
    [
      'a named shard brings its siblings only',
      gguf,
      { file: 'm-Q4_K_M-00002-of-00002.gguf' },
      'Q4_K_M',
      ['m-Q4_K_M-00001-of-00002.gguf', 'm-Q4_K_M-00002-of-00002.gguf'],
    ],
    ['a named single file', gguf, { file: 'm-Q8_0.gguf' }, 'Q8_0', ['m-Q8_0.gguf']],
    ['a named non-GGUF file', gguf, { file: 'README.md' }, 'default', ['README.md']],
    ['the only quant needs no --quant', [file('a-Q8_0.gguf'), file('b.txt')], {}, 'Q8_0', ['a-Q8_0.gguf']],
    [
      'a checkpoint pulls every file but .gitattributes',
      [file('config.json'), file('.gitattributes'), file('model.safetensors')],
      {},
      'default',
      ['config.json', 'model.safetensors'],
    ],
  ];
  for (const [name, files, want, variant, expected] of cases) {
    test(name, () => {
      const chosen = selectFiles('org/repo', files, want);
      assert.equal(chosen.variant, variant);
      assert.deepEqual(paths(chosen.files), expected);
    });
  }

  const refusals: Array<[string, RemoteFile[], { file?: string; quant?: string }, RegExp, RegExp]> = [
    ['several quants without --quant', gguf, {}, /2 quantizations/, /Q4_K_M, Q8_0/],
    ['a quant that is not there', gguf, { quant: 'Q2_K' }, /no Q2_K GGUF/, /available: Q4_K_M, Q8_0/],
    ['a file that is not there', gguf, { file: 'nope.gguf' }, /no file nope\.gguf/, /m-Q8_0\.gguf/],
    ['--quant on a checkpoint', [file('config.json')], { quant: 'Q4_0' }, /no GGUF files/, /without --quant/],
  ];
  for (const [name, files, want, message, hint] of refusals) {
    test(`refuses ${name}, with a hint`, () =>
      assert.throws(
        () => selectFiles('org/repo', files, want),
        (e: unknown) => e instanceof OpsError && message.test(e.message) && hint.test(e.hint ?? ''),
      ));
  }
});
