import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OpsError } from '../core/errors.js';
import { runProcessSync } from '../core/process-runner.js';

/**
 * A temporary directory for a bootstrap root. Removing it is the dangerous part: debootstrap mounts /proc, /sys and
 * (inside containers) bind-mounts host device nodes under the root, and unmounts them in its exit trap. If it was
 * killed before that ran, a recursive delete would walk into the host's filesystems. So mounts below the directory
 * are unmounted first, and the directory is kept (with an error saying where) if any remain.
 */
export function createScratchDir(prefix: string, parent: string = tmpdir()): string {
  return mkdtempSync(join(parent, prefix));
}

/** Mount points strictly below `dir`, deepest first, from /proc/self/mountinfo text (proc(5), field 5). */
export function mountsBelow(mountinfo: string, dir: string): string[] {
  const base = `${resolve(dir)}/`;
  return (
    mountinfo
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((point): point is string => point !== undefined)
      // Spaces and other specials are octal-escaped (\040) in mountinfo.
      .map((point) =>
        point.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))),
      )
      .filter((point) => point.startsWith(base))
      .sort((a, b) => b.length - a.length)
  );
}

/** Unmounts anything still mounted below `dir`, then deletes it; throws (and keeps `dir`) if a mount stays. */
export function removeScratchDir(dir: string): void {
  const readMounts = () => {
    try {
      return mountsBelow(readFileSync('/proc/self/mountinfo', 'utf8'), dir);
    } catch {
      return [];
    }
  };
  for (const point of readMounts()) {
    // Lazy unmount: detaches now even if something still holds a file open there. A failure is checked below.
    runProcessSync('umount', ['-l', point]);
  }
  const left = readMounts();
  if (left.length > 0) {
    throw new OpsError(`not removing ${dir}: still mounted below it: ${left.join(', ')}`, {
      hint: `unmount them (sudo umount -l ${left.join(' ')}) and delete ${dir} by hand`,
    });
  }
  rmSync(dir, { recursive: true, force: true });
}
