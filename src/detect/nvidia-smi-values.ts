/**
 * Readers for the values nvidia-smi prints. The same field comes as `24564 MiB`, `24564`, `  24564 MiB ` (padded),
 * `N/A`, `[N/A]`, `[Not Supported]`, `Unknown Error` or `Requested functionality has been deprecated` depending on
 * the driver and the card, so every reader returns null for anything that is not a plain reading.
 */

const NOT_A_READING =
  /^(\[?n\/a\]?|\[?not supported\]?|\[?unknown( error)?\]?|none|requested functionality has been deprecated|insufficient permissions|\[insufficient permissions\])$/i;

/** The trimmed text, or null for empty and for nvidia-smi's placeholders (`N/A`, `[Not Supported]`, …). */
export function readText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') {
    // fast-xml-parser gives an object when an element has attributes; its text sits under `#text`.
    const text = (value as Record<string, unknown>)['#text'];
    return text === undefined ? null : readText(text);
  }
  const text = String(value).trim();
  if (text === '' || NOT_A_READING.test(text)) return null;
  return text;
}

/** A number with an optional unit (`450.00 W`, `87 C`); null when absent or not numeric. */
export function readNumber(value: unknown): number | null {
  const text = readText(value);
  if (text === null) return null;
  const match = /^(-?\d+(?:\.\d+)?)/.exec(text);
  return match ? Number(match[1]) : null;
}

/** A memory size in MiB; accepts MiB (the norm), GiB and KiB units and unit-less numbers (`nounits` CSV). */
export function readMiB(value: unknown): number | null {
  const text = readText(value);
  if (text === null) return null;
  const match = /^(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB|KB|MB|GB)?$/i.exec(text);
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 'MiB').toLowerCase();
  if (unit.startsWith('g')) return Math.round(amount * 1024);
  if (unit.startsWith('k')) return Math.round(amount / 1024);
  return Math.round(amount);
}

/** An integer, or null. */
export function readInt(value: unknown): number | null {
  const n = readNumber(value);
  return n === null || !Number.isInteger(n) ? null : n;
}

/**
 * nvidia-smi prints 8-hex-digit PCI domains (`00000000:01:00.0`); lspci and sysfs use 4 (`0000:01:00.0`) or none
 * (`01:00.0`). Normalise to the 4-digit form so the same card compares equal across sources.
 */
export function normalizePciBusId(value: unknown): string | null {
  const text = readText(value);
  if (text === null) return null;
  const match = /^(?:([0-9a-f]{1,8}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(text);
  if (!match) return text.toLowerCase();
  const domain = (match[1] ?? '0').slice(-4).padStart(4, '0');
  return `${domain}:${match[2]!.padStart(2, '0')}:${match[3]!.padStart(2, '0')}.${match[4]}`.toLowerCase();
}
