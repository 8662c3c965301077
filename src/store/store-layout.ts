import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateDir } from '../core/state-dir.js';

/**
 * Where the store keeps things under `<OPS_HOME>/models`: blobs by sha256 (the only files engines see), the
 * manifest, downloads in progress, and scratch space for quantize and import. All on one filesystem, so placing a
 * finished file is a rename (atomic: a half-written file is never visible under its final name).
 */
export interface StoreLayout {
  root: string;
  blobsDir: string;
  manifestFile: string;
  partialDir: string;
  tmpDir: string;
  /** Plan files whose engines keep blobs alive. */
  planFiles: string[];
}

export function storeLayout(
  state: Pick<StateDir, 'modelsDir' | 'planFile' | 'previousPlanFile'>,
): StoreLayout {
  const root = state.modelsDir;
  return {
    root,
    blobsDir: join(root, 'blobs', 'sha256'),
    manifestFile: join(root, 'manifest.json'),
    partialDir: join(root, 'partial'),
    tmpDir: join(root, 'tmp'),
    planFiles: [state.planFile, state.previousPlanFile],
  };
}

/** The path of the blob with this sha256. */
export function blobPath(layout: StoreLayout, sha256: string): string {
  return join(layout.blobsDir, sha256);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True for a lower-case hex sha256 (what blob names are). */
export function isSha256(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** Creates the store's directories that do not exist yet. */
export async function ensureStoreDirs(layout: StoreLayout): Promise<StoreLayout> {
  for (const dir of [layout.blobsDir, layout.partialDir, layout.tmpDir])
    await mkdir(dir, { recursive: true });
  return layout;
}
