import { open, readFile, rm } from 'node:fs/promises';
import { OpsError } from '../core/errors.js';

/**
 * One writer per `.partial`: two pulls of the same file would interleave their bytes. The lock file holds the
 * owner's pid; a lock whose process is gone (a crash, kill -9) is taken over.
 */
export async function acquirePartialLock(partialPath: string): Promise<() => Promise<void>> {
  const lock = `${partialPath}.lock`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && processAlive(owner)) {
        throw new OpsError(`${partialPath} is being downloaded by another ops process (pid ${owner})`, {
          hint: 'wait for it to finish, or stop it; its progress is kept',
        });
      }
      await rm(lock, { force: true });
    }
  }
  throw new OpsError(`could not lock ${partialPath}`, {
    hint: 'remove the .lock file next to it if no pull is running',
  });
}

/** True when a lock file's owner still runs (used by gc to keep live downloads). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
