import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { create } from 'tar';
import { OpsError } from '../core/errors.js';
import { BUNDLE_BLOB_DIR, BUNDLE_INDEX, BUNDLE_SUMS, bundleIndex, sha256SumsText } from './bundle-format.js';
import { matchEntries } from './list-models.js';
import { readManifest } from './manifest.js';
import { blobPath, ensureStoreDirs, type StoreLayout } from './store-layout.js';
import type { ManifestEntry } from './types.js';

export interface ExportResult {
  out: string;
  entries: ManifestEntry[];
  blobs: number;
  bytes: number;
}

/**
 * `ops models export <selectors…> --out bundle.tar`: writes the named models (every entry when no selector is
 * given) with their manifest entries and checksums into one tar, for carrying to a machine with no network. The
 * tar appears under its name only when complete.
 */
export async function exportBundle(
  layout: StoreLayout,
  selectors: readonly string[],
  out: string,
): Promise<ExportResult> {
  await ensureStoreDirs(layout);
  const { entries } = await readManifest(layout);
  const chosen = new Map<string, ManifestEntry>();
  for (const selector of selectors.length ? selectors : ['*']) {
    const found = selector === '*' ? entries : matchEntries(entries, selector);
    if (found.length === 0)
      throw new OpsError(`no stored model matches ${selector}`, { hint: 'see `ops models list`' });
    for (const e of found) chosen.set(`${e.id}\0${e.variant}\0${e.revision}\0${e.file}`, e);
  }
  const blobBytes = new Map<string, number>();
  for (const e of chosen.values()) {
    const s = await stat(blobPath(layout, e.sha256)).catch(() => undefined);
    if (!s || s.size !== e.bytes) {
      throw new OpsError(`blob ${e.sha256} of ${e.id} ${e.variant} is missing or has the wrong size`, {
        hint: 'pull the model again before exporting it',
      });
    }
    blobBytes.set(e.sha256, s.size);
  }
  const index = bundleIndex([...chosen.values()], blobBytes);
  const staging = join(layout.tmpDir, `export-${randomBytes(4).toString('hex')}`);
  const target = resolve(out);
  const partial = `${target}.partial-${process.pid}`;
  try {
    await mkdir(join(staging, BUNDLE_BLOB_DIR), { recursive: true });
    await writeFile(join(staging, BUNDLE_INDEX), `${JSON.stringify(index, null, 2)}\n`);
    await writeFile(join(staging, BUNDLE_SUMS), sha256SumsText(index));
    for (const sha of blobBytes.keys()) {
      // A hard link puts the blob in the staging tree without copying gigabytes (same filesystem).
      const staged = join(staging, BUNDLE_BLOB_DIR, sha);
      await link(blobPath(layout, sha), staged).catch(() => copyFile(blobPath(layout, sha), staged));
    }
    await mkdir(dirname(target), { recursive: true });
    await create({ file: partial, cwd: staging, portable: true, mtime: new Date(0) }, [
      BUNDLE_INDEX,
      BUNDLE_SUMS,
      ...[...blobBytes.keys()].map((sha) => `${BUNDLE_BLOB_DIR}/${sha}`),
    ]);
    await rename(partial, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
  const bytes = (await stat(target)).size;
  return { out: target, entries: index.entries, blobs: blobBytes.size, bytes };
}
