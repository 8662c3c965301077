import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ValidationProblem } from '../core/errors.js';

/**
 * The manifest of a catalog archive: every file of the catalog with its size and sha256. The signature covers the
 * manifest's exact bytes, and the manifest covers every file, so one Ed25519 signature vouches for the whole
 * catalog (the same shape as a Debian Release file over its package indexes).
 */
export const CATALOG_ARCHIVE_FORMAT = 'ops-catalog/1';

/** A path a catalog file may have: relative, lower-case words, no `..`, no hidden files, no keys/ folder. */
const SAFE_PATH = /^(?!keys\/)[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/i;

export const catalogManifestSchema = z
  .object({
    format: z.literal(CATALOG_ARCHIVE_FORMAT),
    files: z
      .array(
        z
          .object({
            path: z.string().regex(SAFE_PATH, 'a relative path inside the catalog'),
            bytes: z.number().int().nonnegative(),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type CatalogManifest = z.infer<typeof catalogManifestSchema>;

/** True for a path a catalog archive may carry (never keys/: trust does not travel inside what it vouches for). */
export function isCatalogPath(path: string): boolean {
  return SAFE_PATH.test(path) && !path.split('/').includes('..');
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The manifest of a set of files, sorted by path (pure). */
export function buildCatalogManifest(files: ReadonlyMap<string, Uint8Array>): CatalogManifest {
  return {
    format: CATALOG_ARCHIVE_FORMAT,
    files: [...files.keys()].sort().map((path) => ({
      path,
      bytes: files.get(path)?.length ?? 0,
      sha256: sha256Hex(files.get(path) ?? new Uint8Array()),
    })),
  };
}

/**
 * Every way `files` differ from `manifest` (pure): a listed file missing, a file the manifest does not list, a size
 * or sha256 that does not match. Empty when the files are exactly what was signed.
 */
export function manifestMismatches(
  manifest: CatalogManifest,
  files: ReadonlyMap<string, Uint8Array>,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const data = files.get(f.path);
    if (!data) {
      problems.push({ path: f.path, message: 'listed in the manifest but missing from the archive' });
      continue;
    }
    const sha = sha256Hex(data);
    if (data.length !== f.bytes || sha !== f.sha256)
      problems.push({
        path: f.path,
        message: `does not match the signed manifest (sha256 ${sha.slice(0, 16)}…, ${data.length} bytes; signed: ${f.sha256.slice(0, 16)}…, ${f.bytes} bytes)`,
      });
  }
  for (const path of files.keys())
    if (!listed.has(path)) problems.push({ path, message: 'in the archive but not in the signed manifest' });
  return problems;
}
