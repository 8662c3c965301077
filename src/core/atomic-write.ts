import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The one way ops replaces a file that someone may be reading (a Plan, the gateway's Plan copy, setup's progress, the
 * store's manifest): the whole content goes to a temporary file beside it, then one rename puts it in place, so a
 * reader (or a crash) sees the old file or the new one, never half of one. The temporary file never stays behind.
 */

export interface AtomicWriteOptions {
  /** The file's mode, whatever the umask. */
  mode?: number;
  /** Make the file's directory first. */
  mkdir?: boolean;
}

let written = 0;

/** A temporary name beside the file, unique to this process and this write (two writes of one file may overlap). */
function temporaryName(file: string): string {
  written += 1;
  return `${file}.tmp-${process.pid}-${written}`;
}

/** Replaces `file` with `data` at once (a temporary file, then a rename). */
export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  if (options.mkdir) mkdirSync(dirname(file), { recursive: true });
  const tmp = temporaryName(file);
  try {
    writeFileSync(tmp, data, options.mode !== undefined ? { mode: options.mode } : {});
    if (options.mode !== undefined) chmodSync(tmp, options.mode);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * The same without blocking; `fsync` makes the content durable before the rename, for a file whose loss would lose
 * more than the last change (the store's manifest).
 */
export async function writeFileAtomicAsync(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions & { fsync?: boolean } = {},
): Promise<void> {
  if (options.mkdir) await mkdir(dirname(file), { recursive: true });
  const tmp = temporaryName(file);
  try {
    const handle = await open(tmp, 'w', options.mode);
    try {
      await handle.writeFile(data);
      if (options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.mode !== undefined) await chmod(tmp, options.mode);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
