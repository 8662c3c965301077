/**
 * Which known names a mistyped one most likely meant (pure), for "did you mean" hints. A candidate is close when
 * its edit distance is at most 40% of the longer name, or when one contains the other (`qwen` → every
 * `qwen…` id). Closest first; ties keep the order of `known`.
 */
export function closestNames(wanted: string, known: readonly string[], limit = 5): string[] {
  const w = wanted.toLowerCase();
  const scored: { name: string; distance: number; order: number }[] = [];
  known.forEach((name, order) => {
    const k = name.toLowerCase();
    const distance = editDistance(w, k);
    const contains = w.length >= 3 && (k.includes(w) || w.includes(k));
    if (contains || distance <= Math.floor(Math.max(w.length, k.length) * 0.4))
      scored.push({ name, distance: contains ? Math.min(distance, 1) : distance, order });
  });
  scored.sort((a, b) => a.distance - b.distance || a.order - b.order);
  return scored.slice(0, limit).map((s) => s.name);
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      const row = d[i];
      if (row) row[j] = best;
    }
  }
  return at(a.length, b.length);
}
