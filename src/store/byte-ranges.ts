/**
 * Byte-range arithmetic for ranged downloads (pure). A range is `[start, end)`; sets of ranges are kept sorted
 * and merged so the progress sidecar stays small however many chunks completed.
 */
export type ByteRange = readonly [start: number, end: number];

/** Adds `range` to a sorted, merged list and returns the new sorted, merged list. */
export function addRange(ranges: readonly ByteRange[], range: ByteRange): ByteRange[] {
  if (range[1] <= range[0]) return [...ranges];
  const out: ByteRange[] = [];
  let [start, end] = range;
  let placed = false;
  for (const r of ranges) {
    if (r[1] < start) out.push(r);
    else if (r[0] > end) {
      if (!placed) {
        out.push([start, end]);
        placed = true;
      }
      out.push(r);
    } else {
      start = Math.min(start, r[0]);
      end = Math.max(end, r[1]);
    }
  }
  if (!placed) out.push([start, end]);
  return out;
}

/** The parts of `[0, size)` not covered by `done`. */
export function missingRanges(done: readonly ByteRange[], size: number): ByteRange[] {
  const out: ByteRange[] = [];
  let cursor = 0;
  for (const [start, end] of done) {
    if (start > cursor) out.push([cursor, Math.min(start, size)]);
    cursor = Math.max(cursor, end);
    if (cursor >= size) break;
  }
  if (cursor < size) out.push([cursor, size]);
  return out.filter(([s, e]) => e > s);
}

/** Total bytes covered by a merged list. */
export function coveredBytes(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, [s, e]) => sum + (e - s), 0);
}

/** End of the run of covered bytes that starts at `from` (`from` itself when `from` is not covered). */
export function contiguousEnd(ranges: readonly ByteRange[], from: number): number {
  for (const [s, e] of ranges) if (s <= from && from < e) return e;
  return from;
}

/** Cuts ranges into work chunks of at most `chunkBytes`, in file order. */
export function splitIntoChunks(ranges: readonly ByteRange[], chunkBytes: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (const [start, end] of ranges) {
    for (let s = start; s < end; s += chunkBytes) out.push([s, Math.min(end, s + chunkBytes)]);
  }
  return out;
}

/**
 * Chunk size for a download: large enough that per-request overhead is noise, small enough that `connections`
 * workers stay busy to the end (about four chunks per connection), between 4 MiB and 64 MiB.
 */
export function chooseChunkBytes(size: number, connections: number): number {
  const MiB = 1 << 20;
  const ideal = Math.ceil(size / (connections * 4) / MiB) * MiB;
  return Math.min(64 * MiB, Math.max(4 * MiB, ideal));
}
