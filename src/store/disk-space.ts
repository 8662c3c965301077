import { statfs } from 'node:fs/promises';
import { DiskSpaceError } from './store-errors.js';

/** Free bytes on the filesystem holding `dir`; injectable so tests can play a small disk. */
export type FreeSpaceProbe = (dir: string) => Promise<number>;

/** Free bytes available to an unprivileged user (`bavail`, not `bfree`: root's reserve is not ours). */
export const statfsFreeBytes: FreeSpaceProbe = async (dir) => {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
};

/**
 * Headroom kept free beyond the file itself: a full disk breaks the rest of the machine (logs, the ledger,
 * Docker), so a pull that would leave less than this is refused.
 */
export const DISK_HEADROOM_BYTES = 256 * 2 ** 20;

/** Throws DiskSpaceError before any byte is written when `neededBytes` (+ headroom) does not fit in `dir`. */
export async function ensureFreeSpace(
  dir: string,
  neededBytes: number,
  probe: FreeSpaceProbe = statfsFreeBytes,
): Promise<void> {
  if (neededBytes <= 0) return;
  const free = await probe(dir);
  if (free < neededBytes + DISK_HEADROOM_BYTES)
    throw new DiskSpaceError(dir, neededBytes + DISK_HEADROOM_BYTES, free);
}
