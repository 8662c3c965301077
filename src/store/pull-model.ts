import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { OpsError } from '../core/errors.js';
import { type EventBus, silentBus } from '../core/events.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import { readGgufFile } from '../models/gguf/gguf-reader.js';
import { admitLocalFile, admitVerifiedFile } from './blob-store.js';
import { ensureFreeSpace, type FreeSpaceProbe, statfsFreeBytes } from './disk-space.js';
import { discardPartial, downloadFile } from './download-engine.js';
import { quantFromFileName, selectFiles } from './file-selection.js';
import {
  type HubConfig,
  hubConfigFromEnv,
  hubHeaders,
  listRepoFiles,
  resolveCommit,
  resolveUrl,
} from './hub-client.js';
import { updateManifest, upsertEntry } from './manifest.js';
import { parseModelReference } from './model-reference.js';
import type { PositionedWrite } from './partial-file-writer.js';
import { ChecksumMismatchError } from './store-errors.js';
import { blobPath, ensureStoreDirs, type StoreLayout } from './store-layout.js';
import type { BlobSource, ManifestEntry, RemoteFile } from './types.js';

export interface PullOptions {
  /** `owner/name[:file]`, an http(s) URL, or a local path. */
  reference: string;
  quant?: string;
  /** Branch, tag or commit on the hub (default `main`); pinned to the commit it resolves to. */
  revision?: string;
  /** Model id for URLs and local files (default: derived from the name). */
  id?: string;
  /** Expected sha256 of a URL or local file. */
  sha256?: string;
  connections?: number;
  env?: NodeJS.ProcessEnv;
  bus?: EventBus;
  signal?: AbortSignal;
  freeSpace?: FreeSpaceProbe;
  write?: PositionedWrite;
  retry?: RetryPolicy;
}

export interface PullResult {
  id: string;
  variant: string;
  revision: string;
  entries: ManifestEntry[];
  /** Bytes fetched over the network by this run. */
  fetchedBytes: number;
}

/**
 * `ops models pull`: fetches a model from the hub (or a mirror), a URL or a local path into the store, verifies
 * every file and records it in the manifest. Files already in the store (same sha256) are not fetched again.
 */
export async function pullModel(layout: StoreLayout, options: PullOptions): Promise<PullResult> {
  const ref = parseModelReference(options.reference, (p) => existsSync(p) && statSync(p).isFile());
  await ensureStoreDirs(layout);
  if (ref.kind === 'hub') return pullFromHub(layout, ref.repo, ref.file, options);
  if (ref.kind === 'url') return pullFromUrl(layout, ref.url, options);
  return pullLocal(layout, resolve(ref.path.replace(/^~(?=\/)/, process.env.HOME ?? '~')), options);
}

async function pullFromHub(
  layout: StoreLayout,
  repo: string,
  file: string | undefined,
  options: PullOptions,
): Promise<PullResult> {
  const bus = options.bus ?? silentBus();
  const hub: HubConfig = hubConfigFromEnv(options.env);
  const commit = await resolveCommit(hub, repo, options.revision ?? 'main', { signal: options.signal });
  const listing = await listRepoFiles(hub, repo, commit, { signal: options.signal });
  const selection = selectFiles(repo, listing, { file, quant: options.quant });
  const missing = selection.files.filter((f) => !(f.sha256 && existsSync(blobPath(layout, f.sha256))));
  // One check for the whole variant before the first byte, not a refusal half-way through its shards.
  await ensureFreeSpace(
    layout.root,
    missing.reduce((sum, f) => sum + f.bytes, 0),
    options.freeSpace ?? statfsFreeBytes,
  );
  const source: BlobSource = { kind: 'hub', endpoint: hub.endpoint, repo };
  const entries: ManifestEntry[] = [];
  let fetchedBytes = 0;
  for (const f of selection.files) {
    const stored = await fetchOne(layout, {
      url: resolveUrl(hub, repo, commit, f.path),
      headers: hubHeaders(hub),
      label: basename(f.path),
      remote: f,
      options,
      bus,
    });
    fetchedBytes += stored.fetchedBytes;
    entries.push(
      await record(
        layout,
        bus,
        {
          id: repo,
          variant: selection.variant,
          revision: commit,
          file: f.path,
          sha256: stored.sha256,
          bytes: stored.bytes,
          source,
        },
        stored.reused,
      ),
    );
  }
  return { id: repo, variant: selection.variant, revision: commit, entries, fetchedBytes };
}

async function pullFromUrl(layout: StoreLayout, url: string, options: PullOptions): Promise<PullResult> {
  const bus = options.bus ?? silentBus();
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.split('/').filter(Boolean).pop() ?? 'model');
  const id = options.id ?? `${parsed.host}${parsed.pathname.replace(/\.gguf$/i, '')}`;
  const stored = await fetchOne(layout, {
    url,
    headers: {},
    label: name,
    remote: { path: name, bytes: -1, sha256: options.sha256, gitOid: undefined },
    options,
    bus,
  });
  const variant =
    options.quant ??
    (await ggufVariant(blobPath(layout, stored.sha256))) ??
    quantFromFileName(name) ??
    'default';
  const revision = stored.etag?.replace(/^"|"$/g, '') || 'unversioned';
  const entry = await record(
    layout,
    bus,
    {
      id,
      variant,
      revision,
      file: name,
      sha256: stored.sha256,
      bytes: stored.bytes,
      source: { kind: 'url', url },
    },
    stored.reused,
  );
  return { id, variant, revision, entries: [entry], fetchedBytes: stored.fetchedBytes };
}

async function pullLocal(layout: StoreLayout, path: string, options: PullOptions): Promise<PullResult> {
  const bus = options.bus ?? silentBus();
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile())
    throw new OpsError(`${path} is not a file`, { hint: 'pass the path of a model file (.gguf)' });
  await ensureFreeSpace(layout.root, info.size, options.freeSpace ?? statfsFreeBytes);
  const admitted = await admitLocalFile(layout, path, { expectedSha256: options.sha256 });
  const name = basename(path);
  const id = options.id ?? name.replace(/\.gguf$/i, '');
  const variant = options.quant ?? (await ggufVariant(admitted.path)) ?? quantFromFileName(name) ?? 'default';
  const entry = await record(
    layout,
    bus,
    {
      id,
      variant,
      revision: 'local',
      file: name,
      sha256: admitted.sha256,
      bytes: admitted.bytes,
      source: { kind: 'local', path },
    },
    admitted.reused,
  );
  return { id, variant, revision: 'local', entries: [entry], fetchedBytes: 0 };
}

interface FetchOne {
  url: string;
  headers: Record<string, string>;
  label: string;
  remote: RemoteFile & { gitOid: string | undefined };
  options: PullOptions;
  bus: EventBus;
}

async function fetchOne(
  layout: StoreLayout,
  job: FetchOne,
): Promise<{ sha256: string; bytes: number; reused: boolean; fetchedBytes: number; etag?: string }> {
  const { remote, options } = job;
  if (remote.sha256 && existsSync(blobPath(layout, remote.sha256))) {
    return {
      sha256: remote.sha256,
      bytes: (await stat(blobPath(layout, remote.sha256))).size,
      reused: true,
      fetchedBytes: 0,
    };
  }
  const key = remote.sha256 ?? createHash('sha256').update(job.url).digest('hex').slice(0, 40);
  const partialPath = join(layout.partialDir, `${key}.partial`);
  const result = await downloadFile({
    url: job.url,
    partialPath,
    label: job.label,
    headers: job.headers,
    ...(remote.bytes >= 0 ? { expectedBytes: remote.bytes } : {}),
    ...(remote.sha256 ? { expectedSha256: remote.sha256 } : {}),
    connections: options.connections,
    signal: options.signal,
    bus: job.bus,
    freeSpace: options.freeSpace,
    write: options.write,
    retry: options.retry,
  });
  if (remote.gitOid) {
    // Small files are stored in git, not LFS: the listing gives their git blob id, sha1("blob <size>\0" + bytes).
    const bytes = await readFile(partialPath);
    const oid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    if (oid !== remote.gitOid) {
      await discardPartial(partialPath);
      throw new ChecksumMismatchError(job.label, `git oid ${remote.gitOid}`, `git oid ${oid}`);
    }
  }
  const admitted = await admitVerifiedFile(layout, partialPath, result.sha256);
  await discardPartial(partialPath);
  return {
    sha256: result.sha256,
    bytes: result.bytes,
    reused: admitted.reused,
    fetchedBytes: result.fetchedBytes,
    etag: result.etag,
  };
}

async function record(
  layout: StoreLayout,
  bus: EventBus,
  entry: Omit<ManifestEntry, 'addedAt' | 'holders'>,
  reused: boolean,
): Promise<ManifestEntry> {
  const full: ManifestEntry = { ...entry, addedAt: new Date().toISOString(), holders: [] };
  await updateManifest(layout, (entries) => ({ entries: upsertEntry(entries, full), result: undefined }));
  bus.emit({
    kind: 'model:stored',
    id: entry.id,
    variant: entry.variant,
    file: entry.file,
    sha256: entry.sha256,
    bytes: entry.bytes,
    reused,
  });
  return full;
}

/** The file type a GGUF's header names (`Q4_K_M`), or undefined for other files. */
async function ggufVariant(path: string): Promise<string | undefined> {
  const gguf = await readGgufFile(path).catch(() => undefined);
  return gguf?.fileType?.name;
}
