import { formatBytes } from '../core/console-reporter.js';
import { OpsError } from '../core/errors.js';

/** A file's content did not match the checksum its source announced; it was not admitted. */
export class ChecksumMismatchError extends OpsError {
  constructor(what: string, expected: string, actual: string, hint?: string) {
    super(`${what}: sha256 mismatch (expected ${expected}, got ${actual}); the file was not admitted`, {
      hint:
        hint ??
        'the bytes were damaged in transit or at the source; pull again, and if it repeats try another mirror (HF_ENDPOINT)',
      exitCode: 5,
    });
    this.name = 'ChecksumMismatchError';
  }
}

/** The store's disk cannot hold what is about to be written (checked before starting, or hit while writing). */
export class DiskSpaceError extends OpsError {
  readonly neededBytes: number;
  readonly freeBytes: number;

  constructor(dir: string, neededBytes: number, freeBytes: number, during = false) {
    super(
      during
        ? `the disk holding ${dir} filled up while writing (needed ${formatBytes(neededBytes)} more)`
        : `not enough disk space in ${dir}: need ${formatBytes(neededBytes)}, ${formatBytes(freeBytes)} free`,
      {
        hint:
          'free space there (`ops models gc` removes unused models and abandoned downloads) or point OPS_HOME at a ' +
          'larger disk; a started download keeps its progress and resumes on the next pull',
        exitCode: 6,
      },
    );
    this.name = 'DiskSpaceError';
    this.neededBytes = neededBytes;
    this.freeBytes = freeBytes;
  }
}

/** A download failed for a reason retrying does not fix (404, 401, a server without the file…). */
export class DownloadError extends OpsError {
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; hint?: string; cause?: unknown } = {}) {
    super(message, { hint: options.hint, cause: options.cause, exitCode: 7 });
    this.name = 'DownloadError';
    this.status = options.status;
  }
}
