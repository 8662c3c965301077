import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { isModelReference, type LocateContext, locateModel, parseModelLocation } from './model-location.js';
import { isSha256, type StoreLayout } from './store-layout.js';
import type { ManifestEntry } from './types.js';

/**
 * Reference counting: a blob is in use while a manifest entry names a holder for it or a Plan (the current one
 * or the previous one, which `ops rollback` needs) has an engine whose model path resolves to it. `rm` and `gc`
 * never delete a blob in use.
 */
export interface BlobReferences {
  /** sha256 → what uses it (`plan:<file>#<engine>` or a holder name). */
  users: Map<string, string[]>;
}

/**
 * Blob hashes the Plan files point at, with the engine entries that do: by path, or by a store reference
 * (`hf:…`, `builtin:…`) resolved the way `up` resolves it.
 */
export async function planReferences(
  layout: StoreLayout,
  entries: readonly ManifestEntry[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const blobsDir = await realpath(layout.blobsDir).catch(() => layout.blobsDir);
  for (const planFile of layout.planFiles) {
    const text = await readFile(planFile, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    for (const { name, model } of modelPathsOfPlan(text)) {
      const user = `plan:${basename(planFile)}#${name}`;
      if (isModelReference(model)) {
        // Every blob of the view (all shards, every checkpoint file) is in use.
        for (const blob of referencedBlobs(model, {
          planDir: dirname(planFile),
          modelsDir: layout.root,
          manifest: entries,
          blobPath: (sha) => join(layout.blobsDir, sha),
          exists: existsSync,
        })) {
          const sha = basename(blob);
          out.set(sha, [...(out.get(sha) ?? []), user]);
        }
        continue;
      }
      const absolute = isAbsolute(model) ? model : resolve(dirname(planFile), model);
      const real = await realpath(absolute).catch(() => absolute);
      const sha = basename(real);
      if (dirname(real) === blobsDir && isSha256(sha)) {
        out.set(sha, [...(out.get(sha) ?? []), user]);
      }
    }
  }
  return out;
}

/** The model paths of a Plan's engines (pure; tolerant of Plans that would not validate). */
export function modelPathsOfPlan(text: string): Array<{ name: string; model: string }> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return [];
  }
  const engines = (doc as { engines?: unknown })?.engines;
  if (!Array.isArray(engines)) return [];
  return engines.flatMap((e, i) => {
    const model = (e as { model?: unknown })?.model;
    const name = (e as { name?: unknown })?.name;
    return typeof model === 'string' ? [{ name: typeof name === 'string' ? name : String(i), model }] : [];
  });
}

/** Everything that uses each blob: manifest holders and Plan engines. */
export async function blobReferences(
  layout: StoreLayout,
  entries: readonly ManifestEntry[],
): Promise<BlobReferences> {
  const users = await planReferences(layout, entries);
  for (const e of entries) {
    if (e.holders.length > 0) users.set(e.sha256, [...(users.get(e.sha256) ?? []), ...e.holders]);
  }
  return { users };
}

/** The blobs a reference resolves to; none when it is malformed or not in the store (nothing to keep alive). */
function referencedBlobs(model: string, ctx: LocateContext): string[] {
  try {
    const found = locateModel(parseModelLocation(model), ctx);
    if (!found.found) return [];
    return found.view ? found.view.files.map((f) => f.blob) : [found.path];
  } catch {
    return [];
  }
}
