import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { writeFileAtomicAsync } from '../core/atomic-write.js';
import { OpsError, ValidationError } from '../core/errors.js';
import { zodProblems } from '../core/validation.js';
import type { StoreLayout } from './store-layout.js';
import type { ManifestEntry } from './types.js';

/**
 * The manifest: which (model id, variant, revision, file) maps to which blob. One JSON file, rewritten
 * atomically (tmp + rename) under a lock, entries sorted so the same store always serialises to the same bytes.
 */
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256');
const sourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hub'), endpoint: z.string(), repo: z.string() }),
  z.object({ kind: z.literal('url'), url: z.string() }),
  z.object({ kind: z.literal('local'), path: z.string() }),
  z.object({ kind: z.literal('quantize'), from: sha256, fileType: z.string() }),
]);
export const manifestEntrySchema = z.object({
  id: z.string().min(1),
  variant: z.string().min(1),
  revision: z.string().min(1),
  file: z.string().min(1),
  sha256,
  bytes: z.number().int().nonnegative(),
  source: sourceSchema,
  addedAt: z.string(),
  holders: z.array(z.string()).default([]),
});
const manifestSchema = z.object({ version: z.literal(1), entries: z.array(manifestEntrySchema) });

export interface Manifest {
  version: 1;
  entries: ManifestEntry[];
}

/** Key of an entry: adding an entry with the same key replaces it. */
export function entryKey(e: Pick<ManifestEntry, 'id' | 'variant' | 'revision' | 'file'>): string {
  return [e.id, e.variant, e.revision, e.file].join('\u0000');
}

/** Entries in a stable order (id, variant, revision, file). */
export function sortEntries(entries: readonly ManifestEntry[]): ManifestEntry[] {
  return [...entries].sort((a, b) => (entryKey(a) < entryKey(b) ? -1 : entryKey(a) > entryKey(b) ? 1 : 0));
}

/** Serialises a manifest deterministically (sorted entries, fixed key order). */
export function serializeManifest(entries: readonly ManifestEntry[]): string {
  const ordered = sortEntries(entries).map((e) => ({
    id: e.id,
    variant: e.variant,
    revision: e.revision,
    file: e.file,
    sha256: e.sha256,
    bytes: e.bytes,
    source: e.source,
    addedAt: e.addedAt,
    holders: [...new Set(e.holders)].sort(),
  }));
  return `${JSON.stringify({ version: 1, entries: ordered }, null, 2)}\n`;
}

/** Parses manifest text; throws ValidationError naming every bad field. */
export function parseManifest(text: string, source: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new OpsError(`${source} is not JSON`, {
      cause,
      hint: 'restore it from a backup, or delete it and pull again',
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(source, zodProblems(parsed.error));
  return parsed.data;
}

/** Reads the store's manifest (empty when there is none yet). */
export async function readManifest(layout: StoreLayout): Promise<Manifest> {
  const text = await readFile(layout.manifestFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? { version: 1, entries: [] } : parseManifest(text, layout.manifestFile);
}

/**
 * Reads, changes and writes the manifest under an exclusive lock, so concurrent pulls do not lose each other's
 * entries. `change` returns the new entries.
 */
export async function updateManifest<T>(
  layout: StoreLayout,
  change: (entries: ManifestEntry[]) => { entries: ManifestEntry[]; result: T },
): Promise<T> {
  await mkdir(dirname(layout.manifestFile), { recursive: true });
  const lock = `${layout.manifestFile}.lock`;
  await takeLock(lock);
  try {
    const { entries } = await readManifest(layout);
    const out = change(entries);
    await writeFileAtomicAsync(layout.manifestFile, serializeManifest(out.entries), { fsync: true });
    return out.result;
  } finally {
    await rm(lock, { force: true });
  }
}

/** Adds or replaces an entry (same id, variant, revision, file), keeping the holders it had. */
export function upsertEntry(entries: ManifestEntry[], entry: ManifestEntry): ManifestEntry[] {
  const key = entryKey(entry);
  const old = entries.find((e) => entryKey(e) === key);
  const merged = old ? { ...entry, holders: [...new Set([...old.holders, ...entry.holders])] } : entry;
  return [...entries.filter((e) => entryKey(e) !== key), merged];
}

/** A lock older than this is from a crashed process (manifest updates take milliseconds). */
const STALE_LOCK_MS = 30_000;

async function takeLock(lock: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rm(lock, { force: true });
      else if (i > 600) {
        throw new OpsError(`the model manifest stays locked (${lock})`, {
          hint: 'another ops command is updating the store; if none runs, delete the .lock file',
        });
      } else await sleep(50);
    }
  }
}
