/**
 * Sizes of ggml tensor types and llama.cpp file types (quantization mixes).
 *
 * Block sizes are ggml's own (ggml/src/ggml-common.h: `block_q8_0` = 2-byte scale + 32 int8 = 34 bytes per 32
 * weights, `block_q4_K` = 144 bytes per 256 …). File-type bits per weight are llama-quantize's table
 * (tools/quantize/quantize.cpp, measured on Llama-3-8B): they include the heavier tensors a mix keeps.
 */

/** ggml tensor types the planner knows: bytes per block and weights per block. */
export const GGML_TYPES = {
  F32: { blockBytes: 4, blockWeights: 1 },
  F16: { blockBytes: 2, blockWeights: 1 },
  BF16: { blockBytes: 2, blockWeights: 1 },
  Q8_0: { blockBytes: 34, blockWeights: 32 },
  Q5_1: { blockBytes: 24, blockWeights: 32 },
  Q5_0: { blockBytes: 22, blockWeights: 32 },
  Q4_0: { blockBytes: 18, blockWeights: 32 },
  IQ4_NL: { blockBytes: 18, blockWeights: 32 },
  Q6_K: { blockBytes: 210, blockWeights: 256 },
  Q5_K: { blockBytes: 176, blockWeights: 256 },
  Q4_K: { blockBytes: 144, blockWeights: 256 },
  Q3_K: { blockBytes: 110, blockWeights: 256 },
  Q2_K: { blockBytes: 84, blockWeights: 256 },
  IQ4_XS: { blockBytes: 136, blockWeights: 256 },
  // OCP microscaling FP4: 32 E2M1 values + one E8M0 scale = 17 bytes (ggml-common.h `block_mxfp4`).
  MXFP4: { blockBytes: 17, blockWeights: 32 },
} as const;
export type GgmlType = keyof typeof GGML_TYPES;

/** Bytes a tensor of `rows` rows of `rowLength` weights takes in `type` (rows must be whole blocks). */
export function tensorBytes(type: GgmlType, rowLength: number, rows: number): number {
  const t = GGML_TYPES[type];
  return (rowLength / t.blockWeights) * t.blockBytes * rows;
}

/** Bits per weight of a ggml block type. */
export function typeBitsPerWeight(type: GgmlType): number {
  const t = GGML_TYPES[type];
  return (t.blockBytes * 8) / t.blockWeights;
}

/**
 * Quantization labels a catalog variant may carry. GGUF file types (mixes) for llama.cpp; checkpoint formats
 * for vLLM. `bitsPerWeight` is the whole-file average used to estimate a size before download; `quality` is a
 * penalty against the unquantized model on a 0…-100 scale (0 = lossless), from the perplexity ranking of
 * llama-quantize's table — only the order and rough gaps matter to the planner.
 */
export const QUANTS = {
  F32: { engineFamily: 'gguf', bitsPerWeight: 32, quality: 0 },
  BF16: { engineFamily: 'any', bitsPerWeight: 16, quality: 0 },
  F16: { engineFamily: 'gguf', bitsPerWeight: 16, quality: 0 },
  Q8_0: { engineFamily: 'gguf', bitsPerWeight: 8.52, quality: -0.2 },
  Q6_K: { engineFamily: 'gguf', bitsPerWeight: 6.57, quality: -0.5 },
  Q5_K_M: { engineFamily: 'gguf', bitsPerWeight: 5.7, quality: -1 },
  Q4_K_M: { engineFamily: 'gguf', bitsPerWeight: 4.9, quality: -2 },
  IQ4_XS: { engineFamily: 'gguf', bitsPerWeight: 4.3, quality: -2.5 },
  Q4_0: { engineFamily: 'gguf', bitsPerWeight: 4.55, quality: -3.5 },
  Q3_K_M: { engineFamily: 'gguf', bitsPerWeight: 3.91, quality: -5 },
  Q2_K: { engineFamily: 'gguf', bitsPerWeight: 3.0, quality: -12 },
  // gpt-oss ships its experts in MXFP4 (4.25 bits) and attention, router and embeddings in BF16; OpenAI's
  // published scores are for these weights, so no loss is charged. Whole-file average taken as the expert rate:
  // experts are >95 % of the parameters (openai/gpt-oss model card).
  MXFP4: { engineFamily: 'any', bitsPerWeight: 4.25, quality: 0 },
  FP8: { engineFamily: 'safetensors', bitsPerWeight: 8, quality: -0.3 },
  // Block-scaled FP8 (one scale per 128×128 weights; DeepSeek-V3's format, also Qwen3-Coder-480B-FP8 and
  // GLM-4.6-FP8): the scales add 32 bits per 16384 weights.
  'FP8-block': { engineFamily: 'safetensors', bitsPerWeight: 8.002, quality: -0.2 },
  AWQ: { engineFamily: 'safetensors', bitsPerWeight: 4.25, quality: -2 },
  'GPTQ-Int4': { engineFamily: 'safetensors', bitsPerWeight: 4.25, quality: -2.2 },
} as const;
export type QuantName = keyof typeof QUANTS;
export const QUANT_NAMES = Object.keys(QUANTS) as QuantName[];

/** Estimated file size from parameter count and the quant's average bits per weight. */
export function estimateWeightsBytes(params: number, quant: QuantName): number {
  return Math.round((params * QUANTS[quant].bitsPerWeight) / 8);
}
