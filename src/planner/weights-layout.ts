import { llamaTensorSizes } from '../catalog/llama-tensor-sizes.js';
import { QUANTS } from '../catalog/quant-types.js';
import type { CatalogModel, Variant } from '../catalog/types.js';

/**
 * How a model's weights split for llama.cpp's layer placement: the token embeddings (always kept in system RAM —
 * llama.cpp's input layer lives on the CPU), one repeating layer, and the output layer (output norm + LM head,
 * offloaded first). With tied embeddings llama.cpp duplicates the embedding matrix for the output layer.
 */
export interface WeightsLayout {
  inputBytes: number;
  layerBytes: number;
  outputBytes: number;
  /** Share of a layer's bytes read per token (MoE reads only the active experts). */
  activeFraction: number;
}

/** Splits a variant's weight size into input / per-layer / output parts. */
export function weightsLayout(model: CatalogModel, variant: Variant): WeightsLayout {
  const s = model.shape;
  const activeFraction = s.activeParams ? s.activeParams / s.params : 1;
  if (variant.sizeSource === 'tensor-exact' && variant.engine === 'llama.cpp') {
    const tensors = llamaTensorSizes(s, variant.quant as Parameters<typeof llamaTensorSizes>[1]);
    const sum = (pred: (name: string) => boolean) =>
      tensors.filter((t) => pred(t.name)).reduce((a, t) => a + t.bytes, 0);
    const inputBytes = sum((n) => n.startsWith('token_embd'));
    const outputBytes = sum((n) => n.startsWith('output')) + (s.tiedEmbeddings ? inputBytes : 0);
    return {
      inputBytes,
      layerBytes: sum((n) => n.startsWith('blk.')) / s.layers,
      outputBytes,
      activeFraction,
    };
  }
  // Estimate: the embedding matrix at the file's average bits, the LM head at Q6_K for GGUF k-quant mixes
  // (llama-quantize keeps it there) or 16 bit for checkpoints; the rest shared evenly by the layers.
  const embedParams = s.vocabSize * s.hiddenSize;
  const bits = QUANTS[variant.quant].bitsPerWeight;
  const inputBytes = (embedParams * (variant.engine === 'vllm' && bits < 8 ? 16 : bits)) / 8;
  const headBits = variant.engine === 'vllm' ? (bits < 8 ? 16 : bits) : Math.max(bits, 6.5625);
  const outputBytes = (embedParams * headBits) / 8;
  const layerBytes =
    Math.max(0, variant.weightsBytes - inputBytes - (s.tiedEmbeddings ? 0 : outputBytes)) / s.layers;
  return { inputBytes, layerBytes, outputBytes, activeFraction };
}
