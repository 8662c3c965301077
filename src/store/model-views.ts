import { linkSync, mkdirSync, readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelView } from './model-location.js';

/**
 * Makes a model view on disk: hard links (same filesystem as the blobs, so no copy and no extra space) named as the
 * files are named in their repo. Idempotent; a link that points at another inode (a re-pulled file) is replaced.
 */
export function materializeView(view: ModelView): void {
  for (const file of view.files) {
    const target = join(view.dir, file.path);
    const blob = statSync(file.blob);
    const existing = statOrUndefined(target);
    if (existing?.ino === blob.ino && existing.dev === blob.dev) continue;
    mkdirSync(dirname(target), { recursive: true });
    if (existing) unlinkSync(target);
    linkSync(file.blob, target);
  }
}

/**
 * Removes the view links to a blob that is being deleted (by inode: a hard link would otherwise keep its bytes on
 * disk), and the directories that become empty. Returns how many links went.
 */
export function removeViewLinks(viewsDir: string, blob: { ino: number; dev: number }): number {
  let removed = 0;
  const walk = (dir: string): boolean => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return false;
    }
    let left = names.length;
    for (const name of names) {
      const path = join(dir, name);
      const s = statOrUndefined(path);
      if (s?.isDirectory()) {
        if (walk(path)) left--;
      } else if (s && s.ino === blob.ino && s.dev === blob.dev) {
        unlinkSync(path);
        removed++;
        left--;
      }
    }
    if (left === 0 && dir !== viewsDir) {
      rmdirSync(dir);
      return true;
    }
    return false;
  };
  walk(viewsDir);
  return removed;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
