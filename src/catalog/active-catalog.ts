import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { resolveStateDir, type StateDir } from '../core/state-dir.js';
import { type CatalogVersion, compareCatalogVersions, readCatalogVersion } from './catalog-version.js';
import { defaultCatalogDir, loadCatalog } from './load-catalog.js';
import type { Catalog } from './types.js';

/** One catalog ops could use: the one shipped with it, or the one `ops catalog update` installed. */
export interface CatalogLocation {
  source: 'shipped' | 'installed';
  dir: string;
  version: CatalogVersion;
}

export interface ActiveCatalog {
  active: CatalogLocation;
  shipped: CatalogLocation;
  installed?: CatalogLocation;
  /** Why an installed catalog is present but not used (unreadable, or not newer than the shipped one). */
  notes: string[];
}

/** `$OPS_HOME/catalog`: a link to the installed catalog's directory, swapped atomically by an update. */
export function installedCatalogDir(state: Pick<StateDir, 'root'>): string {
  return join(state.root, 'catalog');
}

/** `$OPS_HOME/catalog-keys`: public keys the user chose to trust (`--trust-key`), beside the shipped ones. */
export function userCatalogKeysDir(state: Pick<StateDir, 'root'>): string {
  return join(state.root, 'catalog-keys');
}

/** catalog/keys/ of the ops release: the publishers' public keys. */
export function shippedCatalogKeysDir(shippedDir = defaultCatalogDir()): string {
  return join(shippedDir, 'keys');
}

/**
 * Which catalog ops uses: the installed one when it is newer than the shipped one (an ops release newer than the
 * last update brings its own newer catalog), else the shipped one. Reads only version.yaml files.
 */
export function findActiveCatalog(
  state: Pick<StateDir, 'root'>,
  shippedDir = defaultCatalogDir(),
): ActiveCatalog {
  const shipped: CatalogLocation = {
    source: 'shipped',
    dir: shippedDir,
    version: readCatalogVersion(shippedDir),
  };
  const dir = installedCatalogDir(state);
  const notes: string[] = [];
  if (!existsSync(dir) && !isLink(dir)) return { active: shipped, shipped, notes };
  let installed: CatalogLocation;
  try {
    installed = { source: 'installed', dir, version: readCatalogVersion(dir) };
  } catch (error) {
    notes.push(
      `the installed catalog in ${dir} is not readable (${(error as Error).message}); using the shipped one`,
    );
    return { active: shipped, shipped, notes };
  }
  if (compareCatalogVersions(installed.version, shipped.version) > 0)
    return { active: installed, shipped, installed, notes };
  notes.push(
    `the installed catalog ${installed.version.version} is not newer than the shipped ${shipped.version.version}; using the shipped one`,
  );
  return { active: shipped, shipped, installed, notes };
}

/** The catalog the planner should use: findActiveCatalog's choice, loaded and checked. */
export function loadActiveCatalog(state: Pick<StateDir, 'root'> = resolveStateDir()): Catalog {
  return loadCatalog(findActiveCatalog(state).active.dir);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
