import { z } from 'zod';
import { manifestEntrySchema } from './manifest.js';
import type { ManifestEntry } from './types.js';

/**
 * The air-gap bundle: one tar holding `ops-bundle.json` (the manifest entries and the blob list), `SHA256SUMS`
 * (the same checksums in `sha256sum -c` format, so a person can check a bundle without ops) and
 * `blobs/sha256/<hex>`. Import verifies every blob against its name before anything enters the store.
 */
export const BUNDLE_INDEX = 'ops-bundle.json';
export const BUNDLE_SUMS = 'SHA256SUMS';
export const BUNDLE_BLOB_DIR = 'blobs/sha256';

const bundleIndexSchema = z.object({
  format: z.literal('ops-model-bundle'),
  version: z.literal(1),
  createdAt: z.string(),
  entries: z.array(manifestEntrySchema),
  blobs: z.array(
    z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() }),
  ),
});
export type BundleIndex = z.infer<typeof bundleIndexSchema>;

export function bundleIndex(
  entries: readonly ManifestEntry[],
  blobBytes: ReadonlyMap<string, number>,
): BundleIndex {
  return {
    format: 'ops-model-bundle',
    version: 1,
    createdAt: new Date().toISOString(),
    entries: entries.map((e) => ({ ...e, holders: [] })),
    blobs: [...blobBytes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sha256, bytes]) => ({ sha256, bytes })),
  };
}

/** `sha256sum` lines for the blobs. */
export function sha256SumsText(index: BundleIndex): string {
  return index.blobs.map((b) => `${b.sha256}  ${BUNDLE_BLOB_DIR}/${b.sha256}\n`).join('');
}

/** Parses `sha256sum` text into path → sha256. */
export function parseSha256Sums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

/** Checks an index (schema, and that every entry's blob is listed); returns problems as text. */
export function checkBundleIndex(raw: unknown): { index?: BundleIndex; problems: string[] } {
  const parsed = bundleIndexSchema.safeParse(raw);
  if (!parsed.success)
    return { problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const listed = new Set(parsed.data.blobs.map((b) => b.sha256));
  const problems = parsed.data.entries
    .filter((e) => !listed.has(e.sha256))
    .map((e) => `entry ${e.id} ${e.variant} ${e.file} names blob ${e.sha256} that the bundle does not list`);
  return { index: parsed.data, problems };
}

/** Only these paths may come out of a bundle (anything else is refused, never written). */
export function isBundlePath(path: string): boolean {
  const p = path.replace(/^\.\//, '');
  return p === BUNDLE_INDEX || p === BUNDLE_SUMS || new RegExp(`^${BUNDLE_BLOB_DIR}/[0-9a-f]{64}$`).test(p);
}
