import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { OpsError } from '../core/errors.js';

/**
 * The agent is the ledger's one sampling writer: two agents on one ledger would record every reading twice. A
 * lock file next to the ledger holds the owner's pid; a lock whose process is gone is taken over.
 */
export function acquireWriterLock(ledgerFile: string, pid: number = process.pid): () => void {
  const lockFile = `${ledgerFile}.agent.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lockFile, 'utf8').trim() === String(pid)) unlinkSync(lockFile);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockFile, 'utf8').trim());
      // A lock naming this very process is left from an earlier life with the same pid: the agent's container,
      // killed without its SIGTERM (a power cut), starts again as the same pid in a fresh pid namespace.
      if (Number.isInteger(owner) && owner > 0 && owner !== pid && isAlive(owner)) {
        throw new OpsError(`another ops agent (pid ${owner}) is already writing to ${ledgerFile}`, {
          hint: `stop it first, or remove ${lockFile} if that process is not an ops agent`,
        });
      }
      unlinkSync(lockFile);
    }
  }
  throw new OpsError(`could not take the agent lock ${lockFile}`, {
    hint: 'retry; another agent started at once',
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
