import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { llamaTensorSizes, llamaWeightsBytes } from '../../src/catalog/llama-tensor-sizes.js';

// The smoke model's 'tiny' shape (src/models/smoke-model.ts).
const tiny = { vocabSize: 261, hiddenSize: 256, layers: 2, heads: 4, kvHeads: 2, headDim: 64, ffnSize: 512 };

describe('llamaTensorSizes', () => {
  it('F32: every weight at 4 bytes', () => {
    // 2 × 261 × 256 (embeddings + head) + 2 × (256² q + 256×128 k + 256×128 v + 256² o + 3 × 256×512 ffn + 2 × 256 norms) + 256
    const params = 2 * 261 * 256 + 2 * (65536 + 32768 + 32768 + 65536 + 3 * 131072 + 512) + 256;
    assert.equal(llamaWeightsBytes(tiny, 'F32'), params * 4);
  });

  it('Q8_0: 34 bytes per 32 weights, norms F32, output Q8_0', () => {
    const matrices = 2 * 261 * 256 + 2 * (65536 + 32768 + 32768 + 65536 + 3 * 131072);
    const norms = 2 * 2 * 256 + 256;
    assert.equal(llamaWeightsBytes(tiny, 'Q8_0'), (matrices / 32) * 34 + norms * 4);
  });

  it('Q4_K_M: the llama-quantize mix (checked against llama-quantize 0.7.0 on the same shape)', () => {
    const types = new Map(llamaTensorSizes(tiny, 'Q4_K_M').map((t) => [t.name, t.type]));
    // use_more_bits(i, 2): i < 0 || i >= 1 || … → layer 1 only.
    assert.equal(types.get('blk.0.attn_v.weight'), 'Q4_K');
    assert.equal(types.get('blk.1.attn_v.weight'), 'Q6_K');
    assert.equal(types.get('blk.0.ffn_down.weight'), 'Q4_K');
    assert.equal(types.get('blk.1.ffn_down.weight'), 'Q6_K');
    assert.equal(types.get('output.weight'), 'Q6_K');
    assert.equal(types.get('token_embd.weight'), 'Q4_K');
    assert.equal(types.get('blk.0.attn_norm.weight'), 'F32');
    // llama-quantize printed "quant size = 0.77 MiB (4.89 BPW)" for this shape.
    assert.equal(llamaWeightsBytes(tiny, 'Q4_K_M'), 803306);
  });

  it('Q4_K_M on 16 layers: attn_v/ffn_down Q6_K in layers 0,1 (< n/8), 4, 7, 10, 13 ((i − 2) % 3 == 2), 14, 15 (≥ 7n/8)', () => {
    const t = llamaTensorSizes({ ...tiny, layers: 16 }, 'Q4_K_M');
    const q6 = t
      .filter((x) => x.name.endsWith('attn_v.weight') && x.type === 'Q6_K')
      .map((x) => Number(x.name.split('.')[1]));
    assert.deepEqual(q6, [0, 1, 4, 7, 10, 13, 14, 15]);
    // llama-quantize: "quant size = 5.51 MiB (4.82 BPW)".
    assert.equal((llamaWeightsBytes({ ...tiny, layers: 16 }, 'Q4_K_M') / 2 ** 20).toFixed(2), '5.51');
  });

  it('Q4_0: the output layer is Q6_K (llama-quantize upgrades it for every type but Q8_0)', () => {
    const types = new Map(llamaTensorSizes(tiny, 'Q4_0').map((t) => [t.name, t.type]));
    assert.equal(types.get('output.weight'), 'Q6_K');
    assert.equal(types.get('blk.1.attn_v.weight'), 'Q4_0');
  });

  it('falls back for K-quant rows that are not a multiple of 256', () => {
    const t = llamaTensorSizes({ ...tiny, hiddenSize: 96, heads: 3, headDim: 32, kvHeads: 1 }, 'Q4_K_M');
    assert.equal(t.find((x) => x.name === 'blk.0.attn_q.weight')?.type, 'Q5_0');
    assert.equal(t.find((x) => x.name === 'output.weight')?.type, 'Q8_0');
  });
});
