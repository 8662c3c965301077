import type { ModelShape } from '../catalog/types.js';
import type { KvCacheType } from './types.js';

/**
 * KV cache size: 2 (K and V) × layers × kv_heads × head_dim × tokens × bytes per element.
 * Bytes per element are ggml's block sizes: f16 2, q8_0 34/32, q4_0 18/32 (vLLM's fp8 cache: 1).
 */
export const KV_BYTES_PER_ELEMENT: Record<KvCacheType, number> = { f16: 2, q8_0: 34 / 32, q4_0: 18 / 32 };

/** vLLM's `--kv-cache-dtype` for a KV cache type (q4_0 has no vLLM equivalent). */
export const VLLM_KV_DTYPE: Record<KvCacheType, string | undefined> = {
  f16: 'auto',
  q8_0: 'fp8',
  q4_0: undefined,
};

export interface KvCacheRequest {
  /** Tokens each sequence may hold. */
  tokensPerSeq: number;
  /** Sequences sharing the cache (llama.cpp slots, vLLM requests). */
  seqs: number;
  typeK: KvCacheType;
  typeV: KvCacheType;
  engine: 'llama.cpp' | 'vllm';
}

/**
 * K and V elements one layer stores per token. MLA (DeepSeek-V2) stores a compressed latent instead of per-head
 * K/V: llama.cpp keeps kv_lora_rank + rope dims as K and kv_lora_rank as V (src/llama-model.cpp, `n_embd_head_k_mla`),
 * vLLM keeps only the kv_lora_rank + rope latent (its MLA backend).
 */
export function kvElementsPerTokenPerLayer(
  shape: ModelShape,
  engine: 'llama.cpp' | 'vllm',
): { k: number; v: number } {
  if (shape.mla) {
    const k = shape.mla.kvLoraRank + shape.mla.ropeHeadDim;
    return { k, v: engine === 'vllm' ? 0 : shape.mla.kvLoraRank };
  }
  const perLayer = shape.kvHeads * shape.headDim;
  return { k: perLayer, v: perLayer };
}

/**
 * Bytes of KV cache for a request. Sliding-window layers hold at most `window` tokens per sequence; only
 * `kvLayers` layers hold a cache in hybrid models; vLLM's fp8 cache is 1 byte per element.
 */
export function kvCacheBytes(shape: ModelShape, req: KvCacheRequest): number {
  const { k, v } = kvElementsPerTokenPerLayer(shape, req.engine);
  const bytesK = req.engine === 'vllm' && req.typeK === 'q8_0' ? 1 : KV_BYTES_PER_ELEMENT[req.typeK];
  const bytesV = req.engine === 'vllm' && req.typeV === 'q8_0' ? 1 : KV_BYTES_PER_ELEMENT[req.typeV];
  const perTokenPerLayer = k * bytesK + v * bytesV;
  const swaLayers = shape.slidingWindow?.layers ?? 0;
  const swaTokens = shape.slidingWindow ? Math.min(req.tokensPerSeq, shape.slidingWindow.window) : 0;
  // Hybrid linear attention (Qwen3-Next, Qwen3.5): only the full-attention layers keep a per-token cache; the
  // linear layers hold a fixed-size state, small beside it and not counted here.
  const cachedLayers = shape.kvLayers ?? shape.layers;
  const tokens = (cachedLayers - swaLayers) * req.tokensPerSeq + swaLayers * swaTokens;
  return Math.ceil(perTokenPerLayer * tokens * req.seqs);
}

/** f16 KV bytes per token for the whole model (the figure model cards quote: 256 KiB for Qwen2.5-Coder-32B). */
export function kvBytesPerTokenF16(shape: ModelShape): number {
  return kvCacheBytes(shape, { tokensPerSeq: 1, seqs: 1, typeK: 'f16', typeV: 'f16', engine: 'llama.cpp' });
}
