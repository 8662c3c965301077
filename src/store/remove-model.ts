import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OpsError } from '../core/errors.js';
import { listBlobs, removeBlob } from './blob-store.js';
import { matchEntries } from './list-models.js';
import { entryKey, readManifest, updateManifest } from './manifest.js';
import { processAlive } from './partial-lock.js';
import { blobReferences } from './references.js';
import type { StoreLayout } from './store-layout.js';
import type { ManifestEntry } from './types.js';

export interface RemoveResult {
  removedEntries: ManifestEntry[];
  /** Blobs deleted (no entry left that names them). */
  removedBlobs: string[];
  freedBytes: number;
}

/**
 * `ops models rm <selector>`: removes manifest entries and deletes the blobs no remaining entry names. Refuses,
 * naming the users, when a Plan engine or a holder still uses one of the blobs.
 */
export async function removeModels(
  layout: StoreLayout,
  selector: string,
  revision?: string,
): Promise<RemoveResult> {
  const { entries } = await readManifest(layout);
  const doomed = matchEntries(entries, selector, revision);
  if (doomed.length === 0) {
    throw new OpsError(`no stored model matches ${selector}${revision ? ` at ${revision}` : ''}`, {
      hint: 'see `ops models list` for ids, variants and sha256 prefixes',
    });
  }
  const { users } = await blobReferences(layout, entries);
  const inUse = doomed.flatMap((e) =>
    (users.get(e.sha256) ?? []).map((u) => `${e.id} ${e.variant} ${e.file}: ${u}`),
  );
  if (inUse.length > 0) {
    throw new OpsError(
      `refusing to remove models a Plan (or holder) still uses:\n${inUse.map((u) => `  - ${u}`).join('\n')}`,
      {
        hint: 'bring the deployment down or switch its Plan to another model first (`ops down`, `ops up`)',
      },
    );
  }
  const keys = new Set(doomed.map(entryKey));
  const remaining = await updateManifest(layout, (all) => {
    const left = all.filter((e) => !keys.has(entryKey(e)));
    return { entries: left, result: left };
  });
  const stillNamed = new Set(remaining.map((e) => e.sha256));
  const blobs = await listBlobs(layout);
  const removedBlobs: string[] = [];
  let freedBytes = 0;
  for (const sha of new Set(doomed.map((e) => e.sha256))) {
    if (stillNamed.has(sha) || !blobs.has(sha)) continue;
    await removeBlob(layout, sha);
    removedBlobs.push(sha);
    freedBytes += blobs.get(sha) ?? 0;
  }
  return { removedEntries: doomed, removedBlobs, freedBytes };
}

export interface GcResult {
  /** Blobs no manifest entry names (left by a crash mid-rm, or dropped from the manifest by hand). */
  orphanBlobs: string[];
  /** Abandoned downloads and scratch files (no live process owns them). */
  scratchFiles: string[];
  /** With `unused`: entries removed because nothing uses them. */
  unusedEntries: ManifestEntry[];
  freedBytes: number;
}

/**
 * `ops models gc`: deletes orphan blobs, abandoned partial downloads and scratch files; with `unused`, also every
 * model no Plan and no holder uses. A blob a Plan uses is never deleted.
 */
export async function collectGarbage(
  layout: StoreLayout,
  options: { unused?: boolean } = {},
): Promise<GcResult> {
  let freedBytes = 0;
  const unusedEntries: ManifestEntry[] = [];
  if (options.unused) {
    const { entries } = await readManifest(layout);
    const { users } = await blobReferences(layout, entries);
    const keys = new Set(entries.filter((e) => !users.has(e.sha256)).map(entryKey));
    await updateManifest(layout, (all) => {
      unusedEntries.push(...all.filter((e) => keys.has(entryKey(e))));
      return { entries: all.filter((e) => !keys.has(entryKey(e))), result: undefined };
    });
  }
  const { entries } = await readManifest(layout);
  const named = new Set(entries.map((e) => e.sha256));
  const { users } = await blobReferences(layout, entries);
  const orphanBlobs: string[] = [];
  for (const [sha, bytes] of await listBlobs(layout)) {
    if (named.has(sha) || users.has(sha)) continue;
    await removeBlob(layout, sha);
    orphanBlobs.push(sha);
    freedBytes += bytes;
  }
  const scratchFiles: string[] = [];
  for (const dir of [layout.partialDir, layout.tmpDir]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      if (name.endsWith('.lock') || (await ownedByLiveProcess(path))) continue;
      const s = await stat(path).catch(() => undefined);
      await rm(path, { recursive: true, force: true });
      scratchFiles.push(path);
      freedBytes += s?.isFile() ? s.size : 0;
    }
  }
  return { orphanBlobs, scratchFiles, unusedEntries, freedBytes };
}

/** A partial (or its sidecar) whose `.lock` names a running process belongs to a download in progress. */
async function ownedByLiveProcess(path: string): Promise<boolean> {
  const base = path.replace(/\.progress\.json(\.tmp-[\d-]+)?$/, '');
  const pid = Number((await readFile(`${base}.lock`, 'utf8').catch(() => '')).trim());
  return pid > 0 && processAlive(pid);
}
