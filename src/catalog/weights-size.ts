import { EXACT_FILE_TYPES, type ExactFileType, llamaWeightsBytes } from './llama-tensor-sizes.js';
import { estimateWeightsBytes } from './quant-types.js';
import type { ModelShape, SizeSource, VariantSpec } from './types.js';

/**
 * The weight size of a variant, best source first: the size the catalog records (the real file), then an exact
 * per-tensor sum when the project builds the file itself from a known llama shape, then bits per weight.
 */
export function resolveWeightsBytes(
  shape: ModelShape,
  variant: VariantSpec,
): { bytes: number; source: SizeSource } {
  if (variant.sizeBytes !== undefined) return { bytes: variant.sizeBytes, source: 'catalog' };
  if (
    variant.engine === 'llama.cpp' &&
    shape.architecture === 'llama' &&
    !shape.experts &&
    (EXACT_FILE_TYPES as readonly string[]).includes(variant.quant)
  ) {
    return { bytes: llamaWeightsBytes(shape, variant.quant as ExactFileType), source: 'tensor-exact' };
  }
  if (variant.quant === 'AWQ' || variant.quant === 'GPTQ-Int4') {
    // Int4 group-128 checkpoints quantize the linear layers only (≈4.25 bits with scales and zeros); the token
    // embeddings and the LM head stay 16-bit (AutoAWQ / GPTQ skip them).
    const embedParams = shape.vocabSize * shape.hiddenSize * (shape.tiedEmbeddings ? 1 : 2);
    const linear = Math.max(0, shape.params - embedParams);
    return { bytes: Math.round((linear * 4.25) / 8 + embedParams * 2), source: 'bits-per-weight' };
  }
  return { bytes: estimateWeightsBytes(shape.params, variant.quant), source: 'bits-per-weight' };
}
