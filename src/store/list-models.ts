import { readManifest } from './manifest.js';
import { blobReferences } from './references.js';
import { blobPath, type StoreLayout } from './store-layout.js';
import type { ManifestEntry, StoredModel } from './types.js';

/** Every manifest entry with its blob path and reference count (`ops models list`). */
export async function listStoredModels(layout: StoreLayout): Promise<StoredModel[]> {
  const { entries } = await readManifest(layout);
  const { users } = await blobReferences(layout, entries);
  return entries.map((e) => ({
    ...e,
    path: blobPath(layout, e.sha256),
    refs: users.get(e.sha256)?.length ?? 0,
  }));
}

/**
 * The entries a selector names (pure): `id`, `id:variant`, a sha256 or its unique prefix (≥ 8 characters), with an
 * optional revision.
 */
export function matchEntries(
  entries: readonly ManifestEntry[],
  selector: string,
  revision?: string,
): ManifestEntry[] {
  const byRevision = (e: ManifestEntry) =>
    revision === undefined || e.revision === revision || e.revision.startsWith(revision);
  if (/^[0-9a-f]{8,64}$/.test(selector)) {
    const bySha = entries.filter((e) => e.sha256.startsWith(selector) && byRevision(e));
    if (bySha.length > 0) return bySha;
  }
  const colon = selector.lastIndexOf(':');
  const exact = entries.filter((e) => e.id === selector && byRevision(e));
  if (exact.length > 0 || colon < 0) return exact;
  const id = selector.slice(0, colon);
  const variant = selector.slice(colon + 1).toUpperCase();
  return entries.filter((e) => e.id === id && e.variant.toUpperCase() === variant && byRevision(e));
}
