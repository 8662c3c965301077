import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { create, Parser, type ReadEntry } from 'tar';
import { OpsError } from '../core/errors.js';
import { buildCatalogManifest, isCatalogPath } from './catalog-manifest.js';
import { type CatalogSignature, catalogSignatureSchema, signCatalogManifest } from './catalog-signature.js';

/**
 * A catalog archive is a gzipped tar of `manifest.json` (catalog-manifest.ts), `manifest.sig` (the Ed25519
 * signature over the manifest's bytes) and the catalog's files under `catalog/`. It is read whole into memory
 * (a catalog is a few hundred KB) so nothing from it touches the disk before it is verified.
 */
export const MANIFEST_ENTRY = 'manifest.json';
export const SIGNATURE_ENTRY = 'manifest.sig';
const FILES_PREFIX = 'catalog/';
/** Far above any catalog (the 2026 one is ~100 KB); a bound so a wrong file cannot fill memory. */
const MAX_ARCHIVE_BYTES = 64 << 20;
const MAX_ENTRIES = 5000;

/** An archive's parts, not yet verified. */
export interface UnpackedCatalogArchive {
  manifestBytes: Uint8Array;
  signature: CatalogSignature;
  files: Map<string, Uint8Array>;
}

/** The catalog files of a directory: every regular file except keys/ and hidden ones, by relative path. */
export function readCatalogFiles(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      const rel = relative(dir, path);
      if (name.startsWith('.') || rel === 'keys') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (isCatalogPath(rel)) files.set(rel, readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

/** Builds and signs the archive of the catalog in `dir`, written to `outFile`; returns its manifest's key id. */
export async function packCatalogArchive(input: {
  dir: string;
  privateKeyPem: string;
  privateKeyFile: string;
  outFile: string;
}): Promise<{ keyId: string; files: number }> {
  const files = readCatalogFiles(input.dir);
  const manifestBytes = Buffer.from(`${JSON.stringify(buildCatalogManifest(files), null, 2)}\n`);
  const signature = signCatalogManifest(manifestBytes, input.privateKeyPem, input.privateKeyFile);
  const stage = mkdtempSync(join(tmpdir(), 'ops-catalog-pack-'));
  try {
    writeFileSync(join(stage, MANIFEST_ENTRY), manifestBytes);
    writeFileSync(join(stage, SIGNATURE_ENTRY), `${JSON.stringify(signature, null, 2)}\n`);
    for (const [path, data] of files) {
      mkdirSync(dirname(join(stage, FILES_PREFIX, path)), { recursive: true });
      writeFileSync(join(stage, FILES_PREFIX, path), data);
    }
    await create({ gzip: true, file: input.outFile, cwd: stage, portable: true, noDirRecurse: true }, [
      MANIFEST_ENTRY,
      SIGNATURE_ENTRY,
      ...[...files.keys()].map((p) => FILES_PREFIX + p),
    ]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return { keyId: signature.keyId, files: files.size };
}

/**
 * Splits an archive's bytes into manifest, signature and files, in memory. Refuses (exit 2, naming `source`)
 * what is not a catalog archive: not a tar, links or devices, paths outside the catalog, a missing manifest or
 * signature. Whether the files match the manifest and the signature is checked by verify-catalog-archive.ts.
 */
export async function unpackCatalogArchive(
  bytes: Uint8Array,
  source: string,
): Promise<UnpackedCatalogArchive> {
  const refuse = (why: string, cause?: unknown) =>
    new OpsError(`${source} is not a catalog archive: ${why}`, {
      exitCode: 2,
      ...(cause === undefined ? {} : { cause }),
      hint: 'give a file made by `ops catalog sign` (a .tar.gz with manifest.json, manifest.sig and catalog/)',
    });
  if (bytes.length > MAX_ARCHIVE_BYTES) throw refuse(`${bytes.length} bytes, more than any catalog`);
  const entries = new Map<string, Uint8Array>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({ strict: true });
    parser.on('entry', (entry: ReadEntry) => {
      if (entry.type === 'Directory') return entry.resume();
      if (entry.type !== 'File' && entry.type !== 'OldFile') {
        reject(refuse(`${entry.path} is a ${entry.type}, not a file`));
        return entry.resume();
      }
      if (entries.size >= MAX_ENTRIES || entries.has(entry.path)) {
        reject(refuse(entries.has(entry.path) ? `${entry.path} appears twice` : 'too many entries'));
        return entry.resume();
      }
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => entries.set(entry.path, Buffer.concat(chunks)));
    });
    parser.on('error', (e: Error) => reject(refuse(e.message, e)));
    parser.on('end', () => resolve());
    parser.end(Buffer.from(bytes));
  });

  const manifestBytes = entries.get(MANIFEST_ENTRY);
  const signatureBytes = entries.get(SIGNATURE_ENTRY);
  if (!manifestBytes) throw refuse(`no ${MANIFEST_ENTRY}`);
  if (!signatureBytes) throw refuse(`no ${SIGNATURE_ENTRY} (the archive is not signed)`);
  let signature: CatalogSignature;
  try {
    signature = catalogSignatureSchema.parse(JSON.parse(Buffer.from(signatureBytes).toString('utf8')));
  } catch (cause) {
    throw refuse(`${SIGNATURE_ENTRY} is not a signature document`, cause);
  }
  const files = new Map<string, Uint8Array>();
  for (const [path, data] of entries) {
    if (path === MANIFEST_ENTRY || path === SIGNATURE_ENTRY) continue;
    const rel = path.startsWith(FILES_PREFIX) ? path.slice(FILES_PREFIX.length) : '';
    if (!isCatalogPath(rel)) throw refuse(`${path} is outside catalog/ or not a plain relative path`);
    files.set(rel, data);
  }
  return { manifestBytes, signature, files };
}
