import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { ModelShape } from '../../src/catalog/types.js';
import { kvCacheBytes } from '../../src/planner/kv-cache.js';
import { catalog } from './helpers.js';

const shape = (id: string): ModelShape => {
  const m = catalog.models.find((x) => x.id === id);
  assert.ok(m);
  return m.shape;
};

describe('kvCacheBytes', () => {
  it('2 × layers × kv_heads × head_dim × tokens × bytes (Qwen2.5-Coder-7B, 32K, f16 → 1.75 GiB)', () => {
    const bytes = kvCacheBytes(shape('qwen2.5-coder-7b'), {
      tokensPerSeq: 32768,
      seqs: 1,
      typeK: 'f16',
      typeV: 'f16',
      engine: 'llama.cpp',
    });
    assert.equal(bytes, 2 * 28 * 4 * 128 * 32768 * 2);
  });

  it('q8_0 and q4_0 cost 34/32 and 18/32 bytes per element; vLLM fp8 one byte', () => {
    const s = shape('llama-3.1-70b');
    const at = (typeK: 'q8_0' | 'q4_0', engine: 'llama.cpp' | 'vllm' = 'llama.cpp') =>
      kvCacheBytes(s, { tokensPerSeq: 1024, seqs: 1, typeK, typeV: typeK, engine });
    const elements = 2 * 80 * 8 * 128 * 1024;
    assert.equal(at('q8_0'), (elements * 34) / 32);
    assert.equal(at('q4_0'), (elements * 18) / 32);
    assert.equal(at('q8_0', 'vllm'), elements);
  });

  it('MLA (DeepSeek-Coder-V2-Lite) caches a 576 + 512 latent per layer in llama.cpp, 576 in vLLM', () => {
    const s = shape('deepseek-coder-v2-lite');
    const req = { tokensPerSeq: 1, seqs: 1, typeK: 'f16', typeV: 'f16' } as const;
    assert.equal(kvCacheBytes(s, { ...req, engine: 'llama.cpp' }), 27 * (576 + 512) * 2);
    assert.equal(kvCacheBytes(s, { ...req, engine: 'vllm' }), 27 * 576 * 2);
    // Against 2 × 27 × 16 heads × 192 × 2 = 331,776 bytes per token without MLA: 5.6× less.
    assert.ok(kvCacheBytes(s, { ...req, engine: 'llama.cpp' }) * 5 < 2 * 27 * 16 * 192 * 2);
  });

  it('sliding-window layers stop growing at the window', () => {
    const base: ModelShape = { ...shape('ops-smoke-tiny') };
    const swa: ModelShape = { ...base, slidingWindow: { window: 4096, layers: 1 } };
    const at = (s: ModelShape, tokens: number) =>
      kvCacheBytes(s, { tokensPerSeq: tokens, seqs: 2, typeK: 'f16', typeV: 'f16', engine: 'llama.cpp' });
    assert.equal(at(swa, 2048), at(base, 2048));
    const perLayerToken = 2 * 2 * 64 * 2;
    assert.equal(at(swa, 32768), 2 * perLayerToken * (32768 + 4096));
  });
});
