import { mkdir, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OpsError } from '../core/errors.js';
import { type EventBus, silentBus } from '../core/events.js';
import { HttpClient, type HttpResponse } from '../http/http-client.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isTransient, type RetryPolicy } from '../http/retry-policy.js';
import {
  addRange,
  type ByteRange,
  chooseChunkBytes,
  coveredBytes,
  missingRanges,
  splitIntoChunks,
} from './byte-ranges.js';
import { chooseConnections, REMOTE_CONNECTIONS } from './connection-count.js';
import { ensureFreeSpace, type FreeSpaceProbe, statfsFreeBytes } from './disk-space.js';
import { readDownloadProgress, removeDownloadProgress, sameRemoteContent } from './download-progress.js';
import { PartialFileWriter, type PositionedWrite } from './partial-file-writer.js';
import { acquirePartialLock } from './partial-lock.js';
import { pipeBodyToFile, WriteBufferPool } from './pipelined-body-writer.js';
import { ProgressMeter } from './progress-meter.js';
import { ChecksumMismatchError, DownloadError } from './store-errors.js';
import { storeGet } from './store-http.js';

/** Parallel connections per file for remote hosts (see connection-count.ts for when fewer are used). */
export const DEFAULT_CONNECTIONS = REMOTE_CONNECTIONS;

export interface DownloadRequest {
  url: string;
  /** The `.partial` file; its progress sidecar is `<partial>.progress.json`. */
  partialPath: string;
  /** What the file is called in messages and progress events. */
  label: string;
  headers?: Record<string, string>;
  /** Known in advance for hub files (tree API); checked against the server's answer. */
  expectedBytes?: number;
  /** Known in advance for hub LFS files; without it the computed hash is returned unverified. */
  expectedSha256?: string;
  /** Parallel connections; default chosen per host and machine (chooseConnections). */
  connections?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  bus?: EventBus;
  freeSpace?: FreeSpaceProbe;
  write?: PositionedWrite;
  /** Smallest file split into ranges; smaller ones go over one connection. */
  minParallelBytes?: number;
}

export interface DownloadResult {
  partialPath: string;
  bytes: number;
  sha256: string;
  etag: string | undefined;
  finalUrl: string;
  /** Bytes this run fetched (the rest were on disk from an interrupted run). */
  fetchedBytes: number;
  resumedBytes: number;
}

interface RemoteInfo {
  bytes: number;
  etag: string | undefined;
  finalUrl: string;
  rangeable: boolean;
}

/**
 * Downloads one file into `partialPath` with parallel ranged requests, resuming from the sidecar, retrying
 * transient failures with backoff, and verifying sha256. The result is still a `.partial`: placing it in the
 * store is the blob store's job. On a checksum mismatch the partial is deleted; on any other failure it is kept
 * with its progress so the next run resumes.
 *
 * The requests go through the one HTTP client (src/http/). A raw-socket reader of its own was measured against it
 * and removed: over a simulated WAN link (bench/store/wan-download.ts, 8 ranges, 40 ms RTT, 8 MB/s per connection)
 * both reached the same rate in the same run (0.99×); on loopback (bench/store/pull-vs-curl.ts) the raw reader was
 * about 2× faster on the 2-core test machine, which matters only for a mirror on this host or a LAN faster than
 * about 1 Gbit/s.
 */
export async function downloadFile(req: DownloadRequest): Promise<DownloadResult> {
  const bus = req.bus ?? silentBus();
  const sidecar = `${req.partialPath}.progress.json`;
  await mkdir(dirname(req.partialPath), { recursive: true });
  const release = await acquirePartialLock(req.partialPath);
  // Its own pool: a connection per parallel range, closed with the download.
  const client = new HttpClient({ connections: Math.max(1, req.connections ?? REMOTE_CONNECTIONS) });
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const probed = await withRetries(req, bus, 'probe', () => probe(req, client, abort.signal));
    const remote = probed.info;
    if (req.expectedBytes !== undefined && remote.bytes !== req.expectedBytes) {
      probed.wholeBody?.destroy();
      throw new DownloadError(
        `${req.label}: the server offers ${remote.bytes} bytes, the listing said ${req.expectedBytes}`,
        {
          hint: 'the file changed on the hub or the mirror is stale; pull again (the revision is re-resolved)',
        },
      );
    }
    // Chosen for the host that serves the bytes (the CDN after redirects), not the hub API host.
    const connections = chooseConnections({
      requested: req.connections,
      host: new URL(remote.finalUrl).hostname,
      cores: availableParallelism(),
    });
    const done = await reusableRanges(req, sidecar, remote);
    const alreadyOnDisk = coveredBytes(done);
    await ensureFreeSpace(
      dirname(req.partialPath),
      remote.bytes - alreadyOnDisk,
      req.freeSpace ?? statfsFreeBytes,
    );

    const meter = new ProgressMeter(bus, req.label, remote.bytes, alreadyOnDisk);
    const file = await PartialFileWriter.open({
      partialPath: req.partialPath,
      sidecar,
      totalBytes: remote.bytes,
      done,
      meter,
      progress: (ranges) => ({
        version: 1,
        url: req.url,
        bytes: remote.bytes,
        ...(remote.etag ? { etag: remote.etag } : {}),
        ...(req.expectedSha256 ? { sha256: req.expectedSha256 } : {}),
        done: ranges.map(([s, e]) => [s, e] as [number, number]),
      }),
      write: req.write,
    });
    const commit = file.commit;

    try {
      await file.start();
      const parallel = remote.rangeable && remote.bytes >= (req.minParallelBytes ?? 16 << 20);
      if (!remote.rangeable) {
        // No Range support: one stream from byte 0 (nothing can be resumed or split).
        if (probed.wholeBody) await pipeBodyToFile(probed.wholeBody, 0, remote.bytes, commit);
        else throw new DownloadError(`${req.label}: the server did not send the file`);
      } else {
        // One connection fetches each missing range in one request: chunks exist to share work between workers.
        const chunkBytes =
          parallel && connections > 1 ? chooseChunkBytes(remote.bytes, connections) : remote.bytes;
        const buffers = new WriteBufferPool();
        const queue = splitIntoChunks(missingRanges(done, remote.bytes), chunkBytes);
        const worker = async () => {
          for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
            await fetchRange(req, bus, remote, chunk, client, buffers, abort.signal, commit);
          }
        };
        // The first failure stops the others; all must settle before the sidecar is saved and the file closed.
        let firstError: unknown;
        const workers = Array.from({ length: parallel ? connections : 1 }, () =>
          worker().catch((error) => {
            firstError ??= error;
            abort.abort(error);
          }),
        );
        await Promise.all(workers);
        if (firstError !== undefined) throw firstError;
      }
      await file.save();
      const sha256 = await file.digest();
      meter.finish();
      if (req.expectedSha256 && sha256 !== req.expectedSha256) {
        await file.close();
        await discardPartial(req.partialPath, sidecar);
        throw new ChecksumMismatchError(req.label, req.expectedSha256, sha256);
      }
      // No fsync here: admission syncs once before its rename, which is the point where durability matters.
      return {
        partialPath: req.partialPath,
        bytes: remote.bytes,
        sha256,
        etag: remote.etag,
        finalUrl: remote.finalUrl,
        fetchedBytes: meter.fetchedBytes,
        resumedBytes: alreadyOnDisk,
      };
    } catch (error) {
      if (!(error instanceof ChecksumMismatchError)) await file.saveQuietly();
      meter.finish();
      throw interrupted(error, req);
    } finally {
      await file.close();
    }
  } finally {
    req.signal?.removeEventListener('abort', onOuterAbort);
    await client.destroy();
    await release();
  }
}

/** Removes a partial download and its sidecar. */
export async function discardPartial(
  partialPath: string,
  sidecar = `${partialPath}.progress.json`,
): Promise<void> {
  await rm(partialPath, { force: true });
  await removeDownloadProgress(sidecar);
}

async function reusableRanges(
  req: DownloadRequest,
  sidecar: string,
  remote: RemoteInfo,
): Promise<ByteRange[]> {
  const saved = await readDownloadProgress(sidecar);
  const partialBytes = await stat(req.partialPath).then(
    (s) => s.size,
    () => -1,
  );
  if (
    saved &&
    remote.rangeable &&
    partialBytes === remote.bytes &&
    sameRemoteContent(saved, { bytes: remote.bytes, etag: remote.etag, sha256: req.expectedSha256 })
  ) {
    return saved.done.reduce<ByteRange[]>(
      (acc, r) => addRange(acc, [r[0], Math.min(r[1], remote.bytes)]),
      [],
    );
  }
  if (saved || partialBytes >= 0) await discardPartial(req.partialPath, sidecar);
  return [];
}

/** One tiny ranged GET that learns the size, the ETag, the final (CDN) URL and whether ranges work. */
async function probe(
  req: DownloadRequest,
  client: HttpClient,
  signal: AbortSignal,
): Promise<{ info: RemoteInfo; wholeBody?: HttpResponse['body'] }> {
  const res = await storeGet(req.url, {
    headers: req.headers,
    range: { start: 0, end: 1 },
    client,
    signal,
    retry: 'none',
  });
  const etag = strongEtag(res);
  if (res.status === 206) {
    res.body.resume();
    const total = /\/(\d+)\s*$/.exec(String(res.headers['content-range'] ?? ''))?.[1];
    if (total === undefined)
      throw new DownloadError(`${req.label}: a 206 answer without a total size in Content-Range`);
    return { info: { bytes: Number(total), etag, finalUrl: res.finalUrl, rangeable: true } };
  }
  const length = Number(res.headers['content-length'] ?? Number.NaN);
  const bytes = Number.isFinite(length) ? length : req.expectedBytes;
  if (bytes === undefined) {
    res.body.destroy();
    throw new DownloadError(`${req.label}: the server gives neither ranges nor a Content-Length`, {
      hint: 'download it another way and pass the local path to `ops models pull`',
    });
  }
  return { info: { bytes, etag, finalUrl: res.finalUrl, rangeable: false }, wholeBody: res.body };
}

/** Only strong validators may be sent in If-Range (RFC 9110 §13.1.5). */
function strongEtag(res: HttpResponse): string | undefined {
  const etag = res.headers.etag;
  return typeof etag === 'string' && !etag.startsWith('W/') ? etag : undefined;
}

async function fetchRange(
  req: DownloadRequest,
  bus: EventBus,
  remote: RemoteInfo,
  range: ByteRange,
  client: HttpClient,
  buffers: WriteBufferPool,
  signal: AbortSignal,
  commit: (data: Buffer, position: number) => Promise<void>,
): Promise<void> {
  const policy = req.retry ?? DEFAULT_RETRY_POLICY;
  // The token goes to the hub's origin only, never to the CDN it redirects to.
  const headers = sameOrigin(remote.finalUrl, req.url)
    ? (req.headers ?? {})
    : withoutAuthorization(req.headers);
  let cursor = range[0];
  let attempt = 0;
  while (cursor < range[1]) {
    const before = cursor;
    try {
      const res = await storeGet(remote.finalUrl, {
        headers,
        range: { start: cursor, end: range[1] },
        ifRange: remote.etag,
        client,
        signal,
        // This loop retries, asking only for the bytes not yet written.
        retry: 'none',
      });
      if (res.status !== 206) {
        res.body.destroy();
        throw new DownloadError(`${req.label}: the file changed on the server during the download`, {
          hint: 'pull again; the partial download was discarded',
        });
      }
      cursor = await pipeBodyToFile(
        res.body,
        cursor,
        range[1],
        commit,
        (at) => {
          cursor = at;
        },
        buffers,
      );
      if (cursor < range[1])
        throw Object.assign(new Error('the connection closed early'), { transient: true });
    } catch (error) {
      if (signal.aborted || !isTransient(error)) throw error;
      attempt = cursor > before ? 1 : attempt + 1;
      if (attempt >= policy.maxAttempts) {
        throw new DownloadError(
          `${req.label}: giving up after ${attempt} failed attempts: ${describe(error)}`,
          {
            cause: error,
            hint: 'the connection keeps failing; run the same pull again later, it resumes where it stopped',
          },
        );
      }
      const delayMs = backoffDelayMs(policy, attempt);
      bus.emit({ kind: 'download:retry', file: req.label, attempt, delayMs, reason: describe(error) });
      await sleep(delayMs, undefined, { signal });
    }
  }
}

function interrupted(error: unknown, req: DownloadRequest): unknown {
  if (req.signal?.aborted && !(error instanceof OpsError)) {
    return new OpsError(`${req.label}: download interrupted`, {
      hint: 'run the same pull again: it resumes from the bytes already on disk',
      exitCode: 130,
      cause: error,
    });
  }
  return error;
}

async function withRetries<T>(
  req: DownloadRequest,
  bus: EventBus,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  const policy = req.retry ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (req.signal?.aborted || !isTransient(error) || attempt >= policy.maxAttempts) throw error;
      const delayMs = backoffDelayMs(policy, attempt);
      bus.emit({
        kind: 'download:retry',
        file: `${req.label} (${what})`,
        attempt,
        delayMs,
        reason: describe(error),
      });
      await sleep(delayMs, undefined, { signal: req.signal });
    }
  }
}

function sameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/** The token goes to the hub only, never to the CDN it redirects to. */
function withoutAuthorization(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
