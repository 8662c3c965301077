import type { GgufMetadata } from './gguf-format.js';

/**
 * The numbers a planner needs from a model's metadata. Keys are `<architecture>.<name>` as llama.cpp writes
 * them (src/llama-arch.cpp, LLM_KV_NAMES), e.g. `llama.block_count`, `qwen2.attention.head_count_kv`.
 */
export interface GgufModelShape {
  architecture: string;
  blockCount: number | undefined;
  embeddingLength: number | undefined;
  feedForwardLength: number | undefined;
  headCount: number | undefined;
  /** KV heads of the widest layer; equals headCount when the key is absent (no GQA). */
  headCountKv: number | undefined;
  /** Per-layer KV heads when the file stores an array (hybrid models put 0 on non-attention layers). */
  headCountKvPerLayer: number[] | undefined;
  /** Key head size: `attention.key_length`, else embedding / heads (llama.cpp's default). */
  keyLength: number | undefined;
  valueLength: number | undefined;
  contextLength: number | undefined;
  vocabSize: number | undefined;
  expertCount: number | undefined;
  expertUsedCount: number | undefined;
}

/** A metadata value as a number (integer keys, or the largest item of an integer array); undefined otherwise. */
export function ggufNumber(metadata: GgufMetadata, key: string): number | undefined {
  const entry = metadata[key];
  if (!entry) return undefined;
  if (typeof entry.value === 'number') return entry.value;
  if (typeof entry.value === 'bigint') return Number(entry.value);
  if (entry.type === 'array' && entry.value.length > 0 && entry.value.every((v) => typeof v === 'number')) {
    return (entry.value as number[]).reduce((a, b) => Math.max(a, b));
  }
  return undefined;
}

/** A metadata value as a string; undefined when absent or not a string. */
export function ggufString(metadata: GgufMetadata, key: string): string | undefined {
  const entry = metadata[key];
  return entry?.type === 'string' ? entry.value : undefined;
}

/** Derives the model's shape from its metadata (pure); fields the file does not state are undefined. */
export function ggufModelShape(metadata: GgufMetadata): GgufModelShape {
  const architecture = ggufString(metadata, 'general.architecture') ?? 'unknown';
  const get = (name: string) => ggufNumber(metadata, `${architecture}.${name}`);
  const embeddingLength = get('embedding_length');
  const headCount = get('attention.head_count');
  const kvEntry = metadata[`${architecture}.attention.head_count_kv`];
  const headCountKvPerLayer =
    kvEntry?.type === 'array' && kvEntry.value.every((v) => typeof v === 'number')
      ? (kvEntry.value as number[])
      : undefined;
  const defaultHeadSize = embeddingLength && headCount ? embeddingLength / headCount : undefined;
  const keyLength = get('attention.key_length') ?? defaultHeadSize;
  const tokens = metadata['tokenizer.ggml.tokens'];
  return {
    architecture,
    blockCount: get('block_count'),
    embeddingLength,
    feedForwardLength: get('feed_forward_length'),
    headCount,
    headCountKv: get('attention.head_count_kv') ?? headCount,
    headCountKvPerLayer,
    keyLength,
    valueLength: get('attention.value_length') ?? keyLength,
    contextLength: get('context_length'),
    vocabSize: get('vocab_size') ?? (tokens?.type === 'array' ? tokens.value.length : undefined),
    expertCount: get('expert_count'),
    expertUsedCount: get('expert_used_count'),
  };
}
