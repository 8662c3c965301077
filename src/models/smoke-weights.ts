import { float16Bits } from './gguf/float16.js';
import { GgmlType } from './gguf/ggml-types.js';
import type { GgufTensorSpec } from './gguf/gguf-writer.js';

/**
 * Noise amplitude of a matrix with rows of `cols` inputs: 0.5/sqrt(cols) keeps each layer's update to the
 * residual stream well below the constant the smoke model carries on dimension 0, whatever the width and depth.
 */
const noiseScale = (cols: number) => 0.5 / Math.sqrt(cols);
/** Elements generated per chunk while streaming a tensor to disk. */
const CHUNK_ELEMENTS = 1 << 18;

/**
 * A tensor of uniform noise in ±noiseScale(row length) (or `init`'s value where it gives one), from a PRNG seeded by the
 * model seed and the tensor name, so each tensor's bytes do not depend on the order tensors are written in.
 */
export function noiseTensor(
  name: string,
  type: number,
  dims: number[],
  seed: number,
  init?: (row: number, col: number) => number | undefined,
): GgufTensorSpec {
  const cols = dims[0]!;
  const elements = dims.reduce((a, b) => a * b, 1);
  return {
    name,
    type,
    dims,
    data: function* () {
      const next = mulberry32(fnv1a(`${seed}:${name}`));
      const scale = noiseScale(cols);
      for (let start = 0; start < elements; start += CHUNK_ELEMENTS) {
        const count = Math.min(CHUNK_ELEMENTS, elements - start);
        const values = new Float32Array(count);
        for (let i = 0; i < count; i++) {
          const index = start + i;
          const noise = (next() * 2 - 1) * scale;
          values[i] = init?.(Math.floor(index / cols), index % cols) ?? noise;
        }
        if (type === GgmlType.F32) {
          yield new Uint8Array(values.buffer);
        } else {
          const halves = new Uint16Array(count);
          for (let i = 0; i < count; i++) halves[i] = float16Bits(values[i]!);
          yield new Uint8Array(halves.buffer);
        }
      }
    },
  };
}

/** FNV-1a 32-bit hash: turns the seed and tensor name into a PRNG seed. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** mulberry32: a small, fast 32-bit PRNG; plenty for noise weights and reproducible everywhere. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
