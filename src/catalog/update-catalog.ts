import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OpsError } from '../core/errors.js';
import type { StateDir } from '../core/state-dir.js';
import { httpRequest } from '../http/http-client.js';
import {
  findActiveCatalog,
  installedCatalogDir,
  shippedCatalogKeysDir,
  userCatalogKeysDir,
} from './active-catalog.js';
import { unpackCatalogArchive } from './catalog-archive.js';
import { sha256Hex } from './catalog-manifest.js';
import { keyIdOf, loadTrustedKeys, parsePublicKey, type TrustedKey } from './catalog-signature.js';
import type { CatalogVersion } from './catalog-version.js';
import { verifyCatalogArchive } from './verify-catalog-archive.js';

/** What `ops catalog update` did. */
export interface CatalogUpdateResult {
  source: string;
  installed: boolean;
  version: CatalogVersion;
  previous: CatalogVersion;
  dir: string;
  signedBy: { keyId: string; origin: TrustedKey['origin'] };
  trustedKey?: string;
  models: number;
  notes: string[];
}

const MAX_DOWNLOAD_BYTES = 64 << 20;

/** The archive's bytes from a file, or from an http(s) URL through the one HTTP client (src/http). */
export async function readCatalogSource(source: string): Promise<Uint8Array> {
  if (/^https?:\/\//i.test(source)) {
    const res = await httpRequest(source, { bodyIdleTimeoutMs: 30_000, headersTimeoutMs: 30_000 });
    if (!res.ok) {
      await res.dump();
      throw new OpsError(`${source} answered HTTP ${res.status}`, {
        exitCode: 2,
        hint: 'check the URL, or download the archive and give its file instead',
      });
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > MAX_DOWNLOAD_BYTES) {
        res.body.destroy();
        throw new OpsError(`${source} is larger than any catalog (over ${MAX_DOWNLOAD_BYTES} bytes)`, {
          exitCode: 2,
          hint: 'check the URL: it should name a catalog archive made by `ops catalog sign`',
        });
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }
  try {
    return readFileSync(source);
  } catch (cause) {
    throw new OpsError(`cannot read catalog archive ${source}`, {
      cause,
      exitCode: 2,
      hint: 'give a catalog archive file (offline) or an http(s) URL',
    });
  }
}

/** Adds a public key to the user's trusted keys, named by its id; returns the id. Explicit: only `--trust-key`. */
export function trustCatalogKey(state: Pick<StateDir, 'root'>, file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OpsError(`cannot read key file ${file}`, {
      cause,
      exitCode: 2,
      hint: "give the signer's public key file",
    });
  }
  const keyId = keyIdOf(parsePublicKey(pem, file));
  const dir = userCatalogKeysDir(state);
  mkdirSync(dir, { recursive: true });
  copyFileSync(file, join(dir, `${keyId}.pub`));
  return keyId;
}

/** The keys a catalog may be signed with: the release's (catalog/keys/) and the user's ($OPS_HOME/catalog-keys/). */
export function trustedCatalogKeys(state: Pick<StateDir, 'root'>, shippedDir?: string): TrustedKey[] {
  return [
    ...loadTrustedKeys(shippedCatalogKeysDir(shippedDir), 'shipped'),
    ...loadTrustedKeys(userCatalogKeysDir(state), 'user'),
  ];
}

/**
 * `ops catalog update`: reads the archive (file or URL), verifies it completely in memory (verify-catalog-archive),
 * then installs it atomically: the files go to a fresh directory under `$OPS_HOME/catalog.d/`, and the
 * `$OPS_HOME/catalog` link is replaced by one rename, so a reader sees the old catalog or the new one, never a mix.
 */
export async function updateCatalog(input: {
  state: Pick<StateDir, 'root'>;
  source: string;
  trustKeyFile?: string;
  allowOlder: boolean;
  shippedDir?: string;
}): Promise<CatalogUpdateResult> {
  const { state, source } = input;
  const trustedKey = input.trustKeyFile ? trustCatalogKey(state, input.trustKeyFile) : undefined;
  const bytes = await readCatalogSource(source);
  const archive = await unpackCatalogArchive(bytes, source);
  const current = findActiveCatalog(state, input.shippedDir);
  const verified = verifyCatalogArchive(archive, {
    trusted: trustedCatalogKeys(state, input.shippedDir),
    active: current.active.version,
    allowOlder: input.allowOlder,
    source,
  });
  const base = {
    source,
    version: verified.version,
    previous: current.active.version,
    signedBy: { keyId: verified.signedBy.keyId, origin: verified.signedBy.origin },
    ...(trustedKey ? { trustedKey } : {}),
    models: verified.catalog.models.length,
  };
  if (verified.sameVersion)
    return {
      ...base,
      installed: false,
      dir: current.active.dir,
      notes: [`catalog ${verified.version.version} is already active`],
    };

  const dir = installCatalogFiles(
    state,
    verified.files,
    `${verified.version.version}-${sha256Hex(archive.manifestBytes).slice(0, 12)}`,
  );
  const after = findActiveCatalog(state, input.shippedDir);
  return { ...base, installed: true, dir, notes: after.active.source === 'installed' ? [] : after.notes };
}

/** Writes `files` into `$OPS_HOME/catalog.d/<name>` and points `$OPS_HOME/catalog` at it with one rename. */
export function installCatalogFiles(
  state: Pick<StateDir, 'root'>,
  files: ReadonlyMap<string, Uint8Array>,
  name: string,
): string {
  const link = installedCatalogDir(state);
  const store = join(state.root, 'catalog.d');
  const target = join(store, name);
  if (existsSync(link) && !lstatSync(link).isSymbolicLink())
    throw new OpsError(`${link} is a directory, not the link ops keeps there`, {
      exitCode: 2,
      hint: `move it away (ops writes installed catalogs to ${store} and links ${link} to the active one)`,
    });
  const previous = existsSync(link) ? resolve(dirname(link), readlinkSync(link)) : undefined;
  mkdirSync(store, { recursive: true });
  if (!existsSync(target)) {
    const staging = mkdtempSync(join(store, '.staging-'));
    chmodSync(staging, 0o755); // mkdtemp makes it 0700; the catalog is read by the user's other tools too
    for (const [path, data] of files) {
      mkdirSync(dirname(join(staging, path)), { recursive: true });
      writeFileSync(join(staging, path), data);
    }
    renameSync(staging, target);
  }
  const next = join(state.root, `.catalog.next-${process.pid}`);
  rmSync(next, { force: true });
  symlinkSync(join('catalog.d', name), next);
  renameSync(next, link);
  // Keep the one before (a reader that resolved the old link may still be reading it); drop older ones.
  for (const entry of readdirSync(store)) {
    const path = join(store, entry);
    if (path !== target && path !== previous) rmSync(path, { recursive: true, force: true });
  }
  return target;
}
