import type { PassRate } from './types.js';

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * The Wilson score interval for a binomial proportion (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it over
 * the normal approximation for small n): it stays inside [0, 1] and is sensible at 0 or n successes.
 */
export function passRate(passed: number, total: number, z: number = Z95): PassRate {
  if (total === 0) return { passed: 0, total: 0, rate: 0, low: 0, high: 1 };
  const p = passed / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  return { passed, total, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * The difference of two pass rates (b − a) with Newcombe's hybrid score interval (Newcombe 1998, method 10),
 * built from each rate's Wilson interval: what `--compare` reports between two variants.
 */
export function rateDifference(a: PassRate, b: PassRate): { diff: number; low: number; high: number } {
  const diff = b.rate - a.rate;
  const low = diff - Math.sqrt((b.rate - b.low) ** 2 + (a.high - a.rate) ** 2);
  const high = diff + Math.sqrt((b.high - b.rate) ** 2 + (a.rate - a.low) ** 2);
  return { diff, low: Math.max(-1, low), high: Math.min(1, high) };
}
