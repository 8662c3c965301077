import { readFile, rm } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomicAsync } from '../core/atomic-write.js';
import type { ByteRange } from './byte-ranges.js';

/**
 * The sidecar next to a `.partial` file: which byte ranges are on disk, and which remote file they belong to
 * (size, ETag, expected sha256). It is what lets a download resume after a crash or Ctrl-C. It is written only
 * after the bytes it lists were written, so it may under-count (those bytes are fetched again) but never claims
 * bytes that are not there.
 */
const progressSchema = z.object({
  version: z.literal(1),
  url: z.string(),
  bytes: z.number().int().nonnegative(),
  etag: z.string().optional(),
  sha256: z.string().optional(),
  done: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])),
});
export type DownloadProgress = z.infer<typeof progressSchema>;

/** Reads a sidecar; undefined when absent or unreadable (then the partial file is started over). */
export async function readDownloadProgress(file: string): Promise<DownloadProgress | undefined> {
  try {
    const parsed = progressSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a sidecar atomically (tmp + rename), so a crash mid-write leaves the previous one. */
export async function writeDownloadProgress(file: string, progress: DownloadProgress): Promise<void> {
  await writeFileAtomicAsync(file, JSON.stringify(progress));
}

export async function removeDownloadProgress(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** True when a sidecar describes the same remote content (so its ranges can be reused). */
export function sameRemoteContent(
  progress: DownloadProgress,
  remote: { bytes: number; etag?: string; sha256?: string },
): boolean {
  if (progress.bytes !== remote.bytes) return false;
  if (progress.sha256 && remote.sha256) return progress.sha256 === remote.sha256;
  if (progress.etag && remote.etag) return progress.etag === remote.etag;
  return false;
}

export type { ByteRange };
