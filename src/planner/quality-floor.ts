/**
 * What `--priority speed` may trade away. Speed is ranked only among candidates that are still coders: a model
 * under MIN_CODER_QUALITY (the built-in smoke models have random weights and quality 1–2) or one more than
 * SPEED_QUALITY_WINDOW points below the best candidate that fits is ranked after every candidate that is not.
 * Without this floor a 4090 "planned" the smoke model at six-figure tokens/s (issue 13).
 */

/** Catalog quality (SWE-bench-Verified-anchored, see catalog/models/README.md) below which nothing is a coder. */
export const MIN_CODER_QUALITY = 20;

/**
 * The most quality points speed may give up against the best candidate that fits. Fifteen points of SWE-bench
 * Verified span the current open coders that fit one card (catalog: Qwen3-Coder-Next 70.6, Devstral Small 2 59.1,
 * Qwen3.5-35B-A3B 58.6), so speed may choose among them; a model a generation behind (Qwen3-Coder-30B-A3B 31.8)
 * or a legacy one is a different class of tool, not a faster one.
 */
export const SPEED_QUALITY_WINDOW = 15;

/** The quality a speed-ranked candidate must reach, given the best score among the candidates that fit. */
export function speedQualityFloor(bestScore: number): number {
  return Math.max(MIN_CODER_QUALITY, bestScore - SPEED_QUALITY_WINDOW);
}
