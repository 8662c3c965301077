import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeViewLinks } from './model-views.js';
import { sha256OfFile } from './sha256-stream.js';
import { ChecksumMismatchError, DiskSpaceError } from './store-errors.js';
import { blobPath, isSha256, type StoreLayout } from './store-layout.js';

/**
 * The content-addressed blob directory: `blobs/sha256/<hex>`. A blob appears there only by a rename of a file
 * whose hash was verified, so every name is the true hash of its bytes and no reader ever sees half a file.
 */
export interface AdmittedBlob {
  sha256: string;
  bytes: number;
  path: string;
  /** True when the store already held these bytes (the new copy was dropped). */
  reused: boolean;
}

/**
 * Moves a verified file into the store under its hash (same filesystem: an atomic rename). When the blob is
 * already there, the new copy is deleted instead.
 */
export async function admitVerifiedFile(
  layout: StoreLayout,
  file: string,
  sha256: string,
): Promise<AdmittedBlob> {
  if (!isSha256(sha256)) throw new Error(`not a sha256: ${sha256}`);
  const target = blobPath(layout, sha256);
  await mkdir(layout.blobsDir, { recursive: true });
  const existing = await stat(target).catch(() => undefined);
  if (existing) {
    await rm(file, { force: true });
    return { sha256, bytes: existing.size, path: target, reused: true };
  }
  const handle = await open(file, 'r');
  await handle.sync();
  const bytes = (await handle.stat()).size;
  await handle.close();
  await rename(file, target);
  await syncDir(layout.blobsDir);
  return { sha256, bytes, path: target, reused: false };
}

/**
 * Copies a local file into the store: into a temp file first (hashed after the copy), then admitted by rename.
 * With `expectedSha256`, a mismatch refuses the file. The store always owns its own copy (a hard link would let
 * an edit of the user's file change a blob under its hash).
 */
export async function admitLocalFile(
  layout: StoreLayout,
  source: string,
  options: { expectedSha256?: string } = {},
): Promise<AdmittedBlob> {
  await mkdir(layout.tmpDir, { recursive: true });
  const tmp = join(layout.tmpDir, `copy-${process.pid}-${Date.now()}`);
  try {
    try {
      await copyFile(source, tmp);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new DiskSpaceError(layout.root, (await stat(source)).size, 0, true);
      }
      throw error;
    }
    const sha256 = await sha256OfFile(tmp);
    if (options.expectedSha256 && options.expectedSha256 !== sha256) {
      throw new ChecksumMismatchError(
        source,
        options.expectedSha256,
        sha256,
        'the local file is not the one expected',
      );
    }
    return await admitVerifiedFile(layout, tmp, sha256);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Every blob in the store: sha256 → bytes. */
export async function listBlobs(layout: StoreLayout): Promise<Map<string, number>> {
  const names = await readdir(layout.blobsDir).catch(() => [] as string[]);
  const out = new Map<string, number>();
  for (const name of names) {
    if (!isSha256(name)) continue;
    const s = await stat(join(layout.blobsDir, name)).catch(() => undefined);
    if (s?.isFile()) out.set(name, s.size);
  }
  return out;
}

/** Deletes a blob (callers decide it is unused). */
export async function removeBlob(layout: StoreLayout, sha256: string): Promise<void> {
  const path = blobPath(layout, sha256);
  const s = await stat(path).catch(() => undefined);
  // Its view links would keep the bytes on disk.
  if (s) removeViewLinks(join(layout.root, 'views'), s);
  await rm(path, { force: true });
}

/** fsync of the directory makes the rename itself durable (POSIX: a rename is in the directory's data). */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}
