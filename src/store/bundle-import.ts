import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { extract } from 'tar';
import { OpsError } from '../core/errors.js';
import { admitVerifiedFile } from './blob-store.js';
import {
  BUNDLE_BLOB_DIR,
  BUNDLE_INDEX,
  BUNDLE_SUMS,
  checkBundleIndex,
  isBundlePath,
  parseSha256Sums,
} from './bundle-format.js';
import { ensureFreeSpace, type FreeSpaceProbe, statfsFreeBytes } from './disk-space.js';
import { updateManifest, upsertEntry } from './manifest.js';
import { sha256OfFile } from './sha256-stream.js';
import { ChecksumMismatchError } from './store-errors.js';
import { ensureStoreDirs, type StoreLayout } from './store-layout.js';
import type { ManifestEntry } from './types.js';

export interface ImportResult {
  entries: ManifestEntry[];
  /** Blobs added (the rest were already in the store). */
  addedBlobs: number;
  bytes: number;
}

/**
 * `ops models import bundle.tar`: unpacks into scratch space (only the bundle's own paths), checks the index, the
 * SHA256SUMS and the sha256 of every blob, and only then admits the blobs and merges the entries. A damaged or
 * tampered bundle changes nothing in the store.
 */
export async function importBundle(
  layout: StoreLayout,
  bundle: string,
  options: { freeSpace?: FreeSpaceProbe } = {},
): Promise<ImportResult> {
  await ensureStoreDirs(layout);
  const file = resolve(bundle);
  const size = (await stat(file).catch(() => undefined))?.size;
  if (size === undefined)
    throw new OpsError(`no bundle at ${file}`, { hint: 'pass the .tar written by `ops models export`' });
  await ensureFreeSpace(layout.root, size, options.freeSpace ?? statfsFreeBytes);
  const staging = join(layout.tmpDir, `import-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  const refused: string[] = [];
  try {
    await extract({
      file,
      cwd: staging,
      strict: true,
      filter: (path, entry) => {
        const ok = isBundlePath(path) && (!('type' in entry) || entry.type === 'File');
        if (!ok) refused.push(path);
        return ok;
      },
    }).catch((cause) => {
      throw new OpsError(`${file} is not a readable tar bundle: ${(cause as Error).message}`, {
        cause,
        hint: 'copy the bundle again',
      });
    });
    if (refused.length > 0)
      throw tampered(file, `it holds unexpected paths: ${refused.slice(0, 5).join(', ')}`);
    const indexText = await readFile(join(staging, BUNDLE_INDEX), 'utf8').catch(() => undefined);
    if (indexText === undefined) throw tampered(file, `it has no ${BUNDLE_INDEX}`);
    let raw: unknown;
    try {
      raw = JSON.parse(indexText);
    } catch {
      throw tampered(file, `${BUNDLE_INDEX} is not JSON`);
    }
    const { index, problems } = checkBundleIndex(raw);
    if (!index || problems.length > 0) throw tampered(file, problems.join('; '));
    const sums = parseSha256Sums(await readFile(join(staging, BUNDLE_SUMS), 'utf8').catch(() => ''));
    for (const blob of index.blobs) {
      const path = `${BUNDLE_BLOB_DIR}/${blob.sha256}`;
      if (sums.get(path) !== blob.sha256)
        throw tampered(file, `${BUNDLE_SUMS} disagrees with ${BUNDLE_INDEX} on ${path}`);
      const staged = join(staging, path);
      const s = await stat(staged).catch(() => undefined);
      if (!s || s.size !== blob.bytes)
        throw tampered(file, `${path} is missing or has ${s?.size ?? 0} bytes, not ${blob.bytes}`);
      const actual = await sha256OfFile(staged);
      if (actual !== blob.sha256) {
        throw new ChecksumMismatchError(
          `${file}: ${path}`,
          blob.sha256,
          actual,
          'the bundle is damaged or was tampered with; nothing was imported. Export it again on the source machine',
        );
      }
    }
    let addedBlobs = 0;
    let bytes = 0;
    for (const blob of index.blobs) {
      const admitted = await admitVerifiedFile(
        layout,
        join(staging, BUNDLE_BLOB_DIR, blob.sha256),
        blob.sha256,
      );
      if (!admitted.reused) {
        addedBlobs++;
        bytes += blob.bytes;
      }
    }
    await updateManifest(layout, (all) => ({
      entries: index.entries.reduce((acc, e) => upsertEntry(acc, e), all),
      result: undefined,
    }));
    return { entries: index.entries, addedBlobs, bytes };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function tampered(file: string, what: string): OpsError {
  return new OpsError(`${file} is not a valid ops model bundle: ${what}`, {
    hint: 'the bundle is damaged or was tampered with; nothing was imported. Export it again on the source machine',
    exitCode: 5,
  });
}
