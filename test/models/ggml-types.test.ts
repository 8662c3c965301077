import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  GGML_TYPES,
  ggmlBitsPerWeight,
  ggmlTensorBytes,
  ggmlTypeByName,
  ggmlTypeInfo,
  ggmlTypeName,
  LLAMA_FILE_TYPES,
  llamaFileTypeByName,
  llamaFileTypeInfo,
} from '../../src/models/gguf/ggml-types.js';

const type = (name: string) => {
  const info = ggmlTypeByName(name);
  assert.ok(info, name);
  return info;
};

describe('ggml types', () => {
  it('has the upstream ids and block layouts', () => {
    const table: [string, number, number, number][] = [
      ['F32', 0, 1, 4],
      ['F16', 1, 1, 2],
      ['Q4_0', 2, 32, 18],
      ['Q8_0', 8, 32, 34],
      ['Q4_K', 12, 256, 144],
      ['Q6_K', 14, 256, 210],
      ['IQ4_XS', 23, 256, 136],
      ['BF16', 30, 1, 2],
      ['MXFP4', 39, 32, 17],
    ];
    for (const [name, id, blockSize, bytesPerBlock] of table) {
      assert.deepEqual(ggmlTypeInfo(id), { id, name, blockSize, bytesPerBlock });
    }
  });

  it('computes exact tensor bytes as whole blocks', () => {
    assert.equal(ggmlTensorBytes(type('F32'), 256 * 261), 267_264);
    assert.equal(ggmlTensorBytes(type('F16'), 1024 * 2048), 4_194_304);
    assert.equal(ggmlTensorBytes(type('Q8_0'), 256 * 256), (65_536 / 32) * 34);
    assert.equal(ggmlTensorBytes(type('Q4_K'), 256 * 512), 512 * 144);
    assert.equal(ggmlTensorBytes(type('Q6_K'), 4096 * 32_000), 128_000 * 4 * 210);
    // A partial block still takes a whole block.
    assert.equal(ggmlTensorBytes(type('Q4_0'), 33), 36);
  });

  it('gives the bits per weight llama.cpp quotes for block types', () => {
    const bpw = (name: string) => ggmlBitsPerWeight(type(name));
    assert.equal(bpw('Q4_K'), 4.5);
    assert.equal(bpw('Q5_K'), 5.5);
    assert.equal(bpw('Q6_K'), 6.5625);
    assert.equal(bpw('Q8_0'), 8.5);
    assert.equal(bpw('Q2_K'), 2.625);
    assert.equal(bpw('IQ4_XS'), 4.25);
  });

  it('names unknown and removed ids instead of failing', () => {
    assert.equal(ggmlTypeInfo(4), undefined);
    assert.match(ggmlTypeName(31), /Q4_0_4_4 \(removed/);
    assert.equal(ggmlTypeName(999), 'unknown type 999');
    assert.equal(ggmlTypeByName('q4_k')?.id, 12);
  });

  it('has unique ids and names', () => {
    assert.equal(new Set(GGML_TYPES.map((t) => t.id)).size, GGML_TYPES.length);
    assert.equal(new Set(GGML_TYPES.map((t) => t.name)).size, GGML_TYPES.length);
    assert.equal(new Set(LLAMA_FILE_TYPES.map((t) => t.name)).size, LLAMA_FILE_TYPES.length);
  });

  it('maps llama file types as llama-quantize numbers them', () => {
    const table: [number, string][] = [
      [0, 'F32'],
      [1, 'F16'],
      [2, 'Q4_0'],
      [7, 'Q8_0'],
      [15, 'Q4_K_M'],
      [17, 'Q5_K_M'],
      [18, 'Q6_K'],
      [30, 'IQ4_XS'],
      [32, 'BF16'],
    ];
    for (const [id, name] of table) {
      assert.equal(llamaFileTypeInfo(id)?.name, name);
      assert.equal(llamaFileTypeByName(name.toLowerCase())?.id, id);
    }
    assert.equal(llamaFileTypeInfo(1000), undefined);
  });
});
