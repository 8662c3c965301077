import type { GgufTensorInfo } from '../models/gguf/gguf-reader.js';
import { BANDWIDTH_EFFICIENCY } from '../planner/memory-constants.js';
import type { SpeedReference } from './types.js';

/**
 * Bytes a dense model reads per generated token: every tensor once, except the token embedding, which is a row
 * lookup, unless the output head is tied to it (no `output.weight`), when it is read whole as the head.
 * Mixture-of-experts models read only their active experts; this is their upper bound.
 */
export function bytesPerToken(tensors: Pick<GgufTensorInfo, 'name' | 'bytes'>[]): number {
  const tied = !tensors.some((t) => t.name === 'output.weight');
  return tensors.reduce((sum, t) => sum + (t.name === 'token_embd.weight' && !tied ? 0 : t.bytes), 0);
}

/** The roofline (bandwidth ÷ bytes per token) and the planner's estimate from the same bandwidth (pure). */
export function speedReference(
  tokenBytes: number,
  bandwidthGBs: number,
  bandwidthSource: SpeedReference['bandwidthSource'],
): SpeedReference {
  const roofline = (bandwidthGBs * 1e9) / tokenBytes;
  return {
    bytesPerToken: tokenBytes,
    bandwidthGBs,
    bandwidthSource,
    rooflineTokensPerS: roofline,
    plannerTokensPerS: roofline * BANDWIDTH_EFFICIENCY,
  };
}
