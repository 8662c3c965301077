import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCatalogDir } from '../../src/catalog/load-catalog.js';

/** The test catalog that adds a model released after the install (test/fixtures/catalog-update/). */
export const FUTURE_MODEL_FILE = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'catalog-update',
  'future-coder.yaml',
);

/**
 * A copy of the shipped catalog (without its keys) at `version`, plus the future-coder model when `addModel`:
 * what a maintainer would sign as an update.
 */
export function catalogCopy(version: string, addModel = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'ops-catalog-copy-'));
  cpSync(defaultCatalogDir(), dir, { recursive: true, filter: (src) => !src.includes('/keys') });
  const versionFile = join(dir, 'version.yaml');
  writeFileSync(
    versionFile,
    readFileSync(versionFile, 'utf8').replace(/^version: .*$/m, `version: ${version}`),
  );
  if (addModel) cpSync(FUTURE_MODEL_FILE, join(dir, 'models', 'future-coder.yaml'));
  return dir;
}
