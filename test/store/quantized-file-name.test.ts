import assert from 'node:assert/strict';
import { test } from 'vitest';
import { quantizedFileName } from '../../src/store/quantize-job.js';

const cases: Array<[string, string, string]> = [
  ['model-f16.gguf', 'Q8_0', 'model-Q8_0.gguf'],
  ['model.F32.gguf', 'Q4_K_M', 'model.Q4_K_M.gguf'],
  ['model_BF16.gguf', 'Q5_K_M', 'model_Q5_K_M.gguf'],
  ['model-Q8_0.gguf', 'Q4_K_M', 'model-Q4_K_M.gguf'],
  ['model-IQ4_XS.gguf', 'Q4_0', 'model-Q4_0.gguf'],
  ['model.gguf', 'Q8_0', 'model-Q8_0.gguf'],
  ['model', 'Q8_0', 'model-Q8_0.gguf'],
  ['sub/dir/model-f16.gguf', 'Q8_0', 'model-Q8_0.gguf'],
  ['f16model.gguf', 'Q8_0', 'f16model-Q8_0.gguf'],
];
for (const [file, type, expected] of cases) {
  test(`quantizedFileName(${file}, ${type}) = ${expected}`, () =>
    assert.equal(quantizedFileName(file, type), expected));
}
