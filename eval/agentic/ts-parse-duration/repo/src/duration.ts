/** Milliseconds per unit of a duration like `1h30m`. */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 1_000,
  h: 3_600_000,
};

/** `1h30m` → 5_400_000; throws on anything else. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`not a duration: ${text}`);
  }
  return parts.reduce((total, [, n, unit]) => total + Number(n) * UNIT_MS[unit!]!, 0);
}
