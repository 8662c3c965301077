import { type GgmlType, tensorBytes } from './quant-types.js';

/**
 * Exact weight sizes of a llama-architecture GGUF, tensor by tensor, for the file types the project quantizes
 * itself (the built-in smoke model). Mirrors llama-quantize's per-tensor type choice
 * (src/llama-quant.cpp, `llama_tensor_get_type`), for the cases that apply to a plain llama model:
 *
 * - 1-D tensors (the norms) stay F32 in every quantized file;
 * - `output.weight` becomes Q6_K unless the file type is Q8_0 (or its row length is not a multiple of 256, then
 *   Q8_0);
 * - Q4_K_M and Q5_K_M give `attn_v` and `ffn_down` Q6_K in the layers where `use_more_bits(i, n)` holds:
 *   `i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2` (integer division) — about half of them;
 * - a K-quant tensor whose row length is not a multiple of 256 falls back (Q4_K→Q5_0, Q5_K→Q5_1, Q6_K→Q8_0).
 */
export interface LlamaTensorShape {
  vocabSize: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ffnSize: number;
  /** True when the model has no `output.weight` and reuses `token_embd`. */
  tiedEmbeddings?: boolean;
}

export const EXACT_FILE_TYPES = ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K_M', 'Q5_K_M', 'Q6_K'] as const;
export type ExactFileType = (typeof EXACT_FILE_TYPES)[number];

/** One tensor of the file: its name, ggml type and size in bytes. */
export interface TensorSize {
  name: string;
  type: GgmlType;
  bytes: number;
}

const BASE_TYPE: Record<ExactFileType, GgmlType> = {
  F32: 'F32',
  F16: 'F16',
  Q8_0: 'Q8_0',
  Q4_0: 'Q4_0',
  Q4_K_M: 'Q4_K',
  Q5_K_M: 'Q5_K',
  Q6_K: 'Q6_K',
};

const K_FALLBACK: Partial<Record<GgmlType, GgmlType>> = { Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0' };

function useMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.floor(layers / 8);
  return layer < eighth || layer >= Math.floor((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

function fitRow(type: GgmlType, rowLength: number): GgmlType {
  const isK = type.endsWith('_K');
  if (isK && rowLength % 256 !== 0) return K_FALLBACK[type] ?? 'Q8_0';
  if (rowLength % 32 !== 0 && type !== 'F32' && type !== 'F16' && type !== 'BF16') return 'F16';
  return type;
}

/** Every tensor of a llama-architecture model in the given file type, in file order. */
export function llamaTensorSizes(shape: LlamaTensorShape, fileType: ExactFileType): TensorSize[] {
  const base = BASE_TYPE[fileType];
  const quantized = fileType !== 'F32' && fileType !== 'F16';
  const mix = fileType === 'Q4_K_M' || fileType === 'Q5_K_M';
  const out: TensorSize[] = [];
  const add = (name: string, type: GgmlType, rowLength: number, rows: number) => {
    const t = fitRow(type, rowLength);
    out.push({ name, type: t, bytes: tensorBytes(t, rowLength, rows) });
  };
  const norm = (name: string) =>
    out.push({ name, type: 'F32', bytes: tensorBytes('F32', shape.hiddenSize, 1) });
  const h = shape.hiddenSize;
  const qDim = shape.heads * shape.headDim;
  const kvDim = shape.kvHeads * shape.headDim;
  // Output projection: Q6_K in every quantized type but Q8_0 (see the header comment).
  const outputType: GgmlType = !quantized ? base : base === 'Q8_0' ? 'Q8_0' : h % 256 !== 0 ? 'Q8_0' : 'Q6_K';

  add('token_embd.weight', shape.tiedEmbeddings && quantized ? outputType : base, h, shape.vocabSize);
  for (let i = 0; i < shape.layers; i++) {
    const more = mix && useMoreBits(i, shape.layers);
    norm(`blk.${i}.attn_norm.weight`);
    add(`blk.${i}.attn_q.weight`, base, h, qDim);
    add(`blk.${i}.attn_k.weight`, base, h, kvDim);
    add(`blk.${i}.attn_v.weight`, more ? 'Q6_K' : base, h, kvDim);
    add(`blk.${i}.attn_output.weight`, base, qDim, h);
    norm(`blk.${i}.ffn_norm.weight`);
    add(`blk.${i}.ffn_gate.weight`, base, h, shape.ffnSize);
    add(`blk.${i}.ffn_up.weight`, base, h, shape.ffnSize);
    add(`blk.${i}.ffn_down.weight`, more ? 'Q6_K' : base, shape.ffnSize, h);
  }
  norm('output_norm.weight');
  if (!shape.tiedEmbeddings) add('output.weight', outputType, h, shape.vocabSize);
  return out;
}

/** Total weight bytes of a llama-architecture model in the given file type. */
export function llamaWeightsBytes(shape: LlamaTensorShape, fileType: ExactFileType): number {
  return llamaTensorSizes(shape, fileType).reduce((sum, t) => sum + t.bytes, 0);
}
