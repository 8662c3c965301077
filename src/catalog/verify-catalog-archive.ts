import { parse as parseYaml } from 'yaml';
import { OpsError, ValidationError } from '../core/errors.js';
import type { UnpackedCatalogArchive } from './catalog-archive.js';
import { type CatalogManifest, catalogManifestSchema, manifestMismatches } from './catalog-manifest.js';
import { type TrustedKey, verifyCatalogSignature } from './catalog-signature.js';
import {
  CATALOG_VERSION_FILE,
  type CatalogVersion,
  compareCatalogVersions,
  parseCatalogVersion,
} from './catalog-version.js';
import { parseCatalog } from './load-catalog.js';
import type { Catalog } from './types.js';

/** A catalog archive that passed every check, ready to install. */
export interface VerifiedCatalog {
  version: CatalogVersion;
  manifest: CatalogManifest;
  files: Map<string, Uint8Array>;
  catalog: Catalog;
  signedBy: TrustedKey;
  /** Same version as the active catalog (installing it again changes nothing). */
  sameVersion: boolean;
}

/**
 * Checks an unpacked archive before anything is installed (pure): the signature over the manifest by a trusted
 * key, every file against the manifest, the catalog readable by this ops (the loader's own checks), and its
 * version newer than the active catalog's unless `allowOlder`. Each failure is an OpsError (exit 2) saying
 * which check failed.
 */
export function verifyCatalogArchive(
  archive: UnpackedCatalogArchive,
  input: { trusted: readonly TrustedKey[]; active: CatalogVersion; allowOlder: boolean; source: string },
): VerifiedCatalog {
  const { source } = input;
  const signedBy = verifyCatalogSignature(archive.manifestBytes, archive.signature, input.trusted, source);

  let manifest: CatalogManifest;
  try {
    manifest = catalogManifestSchema.parse(JSON.parse(Buffer.from(archive.manifestBytes).toString('utf8')));
  } catch (cause) {
    throw new OpsError(`${source}: the signed manifest is not a catalog manifest`, {
      cause,
      exitCode: 2,
      hint: 'the archive was made by something other than `ops catalog sign`, or for a newer ops; update ops',
    });
  }

  const mismatches = manifestMismatches(manifest, archive.files);
  if (mismatches.length > 0)
    throw new ValidationError(`${source} (tampered: its files differ from what was signed)`, mismatches, {
      hint: 'do not install it; get the catalog again from its publisher',
    });

  const text = (path: string) => Buffer.from(archive.files.get(path) ?? new Uint8Array()).toString('utf8');
  if (!archive.files.has(CATALOG_VERSION_FILE))
    throw new OpsError(`${source} has no ${CATALOG_VERSION_FILE}`, {
      exitCode: 2,
      hint: 'a catalog names its version; the publisher must add version.yaml and sign again',
    });
  const version = parseCatalogVersion(
    parseYaml(text(CATALOG_VERSION_FILE)),
    `${source}: ${CATALOG_VERSION_FILE}`,
  );

  const modelFiles = [...archive.files.keys()]
    .filter((p) => /^models\/[^/]+\.ya?ml$/.test(p))
    .sort()
    .map((file) => ({ file, text: text(file) }));
  if (modelFiles.length === 0 || !archive.files.has('gpus.yaml'))
    throw new OpsError(`${source} has no models/*.yaml or no gpus.yaml`, {
      exitCode: 2,
      hint: 'sign the whole catalog directory (the one with models/ and gpus.yaml)',
    });
  const catalog = parseCatalog(modelFiles, { file: 'gpus.yaml', text: text('gpus.yaml') }, source);

  const order = compareCatalogVersions(version, input.active);
  if (order < 0 && !input.allowOlder)
    throw new OpsError(
      `${source} holds catalog ${version.version} (${version.date}), older than the active ${input.active.version} (${input.active.date})`,
      { exitCode: 2, hint: 'to go back to it on purpose, add --allow-older' },
    );
  return { version, manifest, files: archive.files, catalog, signedBy, sameVersion: order === 0 };
}
