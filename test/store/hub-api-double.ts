import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A test double standing in for the Hugging Face hub's HTTP API: model info (`/api/models/{repo}/revision/{rev}`),
 * the tree listing with LFS sha256, `resolve` answering 302 to a CDN path with X-Repo-Commit / X-Linked-Etag /
 * X-Linked-Size, and a CDN that honours Range, ETag and If-Range. It serves real bytes from files on disk,
 * counts what it sends, and injects faults: dropped connections, a corrupted byte, a slow link, a required token.
 */
export interface DoubleFile {
  path: string;
  /** The bytes, from a file on disk (large) or memory (small). */
  diskPath?: string;
  data?: Buffer;
  bytes: number;
  sha256: string;
  /** LFS files are redirected to the CDN; others are served by `resolve` itself. */
  lfs: boolean;
}

export interface DoubleFaults {
  /** Cut the connection after this many body bytes, for the next `dropTimes` responses. */
  dropAfterBytes?: number;
  dropTimes?: number;
  /** Flip the byte at this file offset whenever it is served. */
  corruptAt?: number;
  /** Throttle every response to about this rate. */
  bytesPerSecond?: number;
  /** Answer 401 unless `Authorization: Bearer <token>` is sent. */
  requireToken?: string;
}

export interface DoubleStats {
  /** File body bytes written to sockets (probe bytes included). */
  bodyBytes: number;
  /** Requests for file bytes that carried a Range header. */
  rangeRequests: number;
  drops: number;
  requests: string[];
  authorizationSeenByCdn: number;
}

interface Repo {
  commit: string;
  files: DoubleFile[];
}

export class HubApiDouble {
  readonly stats: DoubleStats = {
    bodyBytes: 0,
    rangeRequests: 0,
    drops: 0,
    requests: [],
    authorizationSeenByCdn: 0,
  };
  faults: DoubleFaults = {};
  private readonly repos = new Map<string, Repo>();
  private readonly server: Server;
  endpoint = '';

  /** The CDN is another origin (another port), as the hub's CDN is another host: it must never see the token. */
  private readonly cdn: Server;
  cdnEndpoint = '';

  constructor() {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch(() => res.destroy());
    };
    this.server = createServer(handler);
    this.cdn = createServer(handler);
  }

  async start(): Promise<string> {
    for (const server of [this.server, this.cdn]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.cdnEndpoint = `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async close(): Promise<void> {
    for (const server of [this.server, this.cdn]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  addRepo(repo: string, commit: string, files: DoubleFile[]): void {
    this.repos.set(repo, { commit, files });
  }

  /** A new commit of `repo` that adds `files` (replacing any of the same path) to what it held; creates the repo. */
  addFiles(repo: string, commit: string, files: DoubleFile[]): void {
    const kept = (this.repos.get(repo)?.files ?? []).filter((f) => !files.some((n) => n.path === f.path));
    this.repos.set(repo, { commit, files: [...kept, ...files] });
  }

  resetStats(): void {
    Object.assign(this.stats, {
      bodyBytes: 0,
      rangeRequests: 0,
      drops: 0,
      requests: [],
      authorizationSeenByCdn: 0,
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    this.stats.requests.push(
      `${req.method} ${url.pathname}${req.headers.range ? ` ${req.headers.range}` : ''}`,
    );
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'cdn') {
      if (req.headers.authorization) this.stats.authorizationSeenByCdn++;
      const file = this.allFiles().find((f) => f.sha256 === parts[1]);
      return file ? this.serveBytes(req, res, file) : this.json(res, 404, { error: 'no such object' });
    }
    if (this.faults.requireToken && req.headers.authorization !== `Bearer ${this.faults.requireToken}`) {
      return this.json(res, 401, { error: 'Invalid credentials in Authorization header' });
    }
    if (parts[0] === 'api' && parts[1] === 'models') {
      const repo = this.repos.get(`${parts[2]}/${parts[3]}`);
      if (!repo) return this.json(res, 404, { error: 'Repository not found' });
      if (parts[4] === 'revision') {
        return this.json(res, 200, {
          id: `${parts[2]}/${parts[3]}`,
          sha: repo.commit,
          siblings: repo.files.map((f) => ({ rfilename: f.path })),
        });
      }
      if (parts[4] === 'tree') {
        return this.json(
          res,
          200,
          repo.files.map((f) => ({
            type: 'file',
            path: f.path,
            size: f.bytes,
            oid: f.lfs
              ? createHash('sha1').update(f.sha256).digest('hex')
              : gitOid(f.data ?? Buffer.alloc(0)),
            ...(f.lfs ? { lfs: { oid: f.sha256, size: f.bytes, pointerSize: 134 } } : {}),
          })),
        );
      }
    }
    if (parts[2] === 'resolve') {
      const repo = this.repos.get(`${parts[0]}/${parts[1]}`);
      const path = parts.slice(4).join('/');
      const file = repo?.files.find((f) => f.path === path);
      if (!repo || !file || (parts[3] !== repo.commit && parts[3] !== 'main')) {
        return this.json(res, 404, { error: 'Entry not found' });
      }
      res.setHeader('x-repo-commit', repo.commit);
      if (file.lfs) {
        res.writeHead(302, {
          location: `${this.cdnEndpoint}/cdn/${file.sha256}?signature=test`,
          'x-linked-etag': `"${file.sha256}"`,
          'x-linked-size': String(file.bytes),
        });
        res.end();
        return;
      }
      return this.serveBytes(req, res, file);
    }
    this.json(res, 404, { error: 'not found' });
  }

  private async serveBytes(req: IncomingMessage, res: ServerResponse, file: DoubleFile): Promise<void> {
    const etag = `"${file.sha256}"`;
    let start = 0;
    let end = file.bytes;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (req.headers.range) this.stats.rangeRequests++;
    if (range && (!ifRange || ifRange === etag)) {
      start = Number(range[1]);
      end = range[2] ? Math.min(file.bytes, Number(range[2]) + 1) : file.bytes;
      if (start >= file.bytes) {
        res.writeHead(416, { 'content-range': `bytes */${file.bytes}` });
        res.end();
        return;
      }
      status = 206;
    }
    res.writeHead(status, {
      'content-length': String(end - start),
      'accept-ranges': 'bytes',
      etag,
      ...(status === 206 ? { 'content-range': `bytes ${start}-${end - 1}/${file.bytes}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    const dropping = this.faults.dropAfterBytes !== undefined && (this.faults.dropTimes ?? 0) > 0;
    if (dropping) this.faults.dropTimes = (this.faults.dropTimes ?? 0) - 1;
    let sent = 0;
    let closed = false;
    res.once('close', () => {
      closed = true;
    });
    const source = file.diskPath
      ? createReadStream(file.diskPath, { start, end: end - 1, highWaterMark: 1 << 20 })
      : [file.data!.subarray(start, end)];
    const started = performance.now();
    for await (const piece of source) {
      let chunk = piece as Buffer;
      const at = start + sent;
      const corruptAt = this.faults.corruptAt;
      if (corruptAt !== undefined && corruptAt >= at && corruptAt < at + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[corruptAt - at] = (chunk[corruptAt - at]! ^ 0xff) & 0xff;
      }
      if (dropping && sent + chunk.length > this.faults.dropAfterBytes!) {
        const keep = this.faults.dropAfterBytes! - sent;
        this.stats.bodyBytes += keep;
        res.write(chunk.subarray(0, keep));
        this.stats.drops++;
        await sleep(5);
        res.socket?.destroy();
        if ('destroy' in source) source.destroy();
        return;
      }
      if (closed || res.destroyed) {
        if ('destroy' in source) source.destroy();
        return;
      }
      sent += chunk.length;
      this.stats.bodyBytes += chunk.length;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      if (res.destroyed) {
        if ('destroy' in source) source.destroy();
        return;
      }
      if (this.faults.bytesPerSecond) {
        const due = (sent / this.faults.bytesPerSecond) * 1000 - (performance.now() - started);
        if (due > 0) await sleep(due);
      }
    }
    res.end();
  }

  private allFiles(): DoubleFile[] {
    return [...this.repos.values()].flatMap((r) => r.files);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function gitOid(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

/**
 * Writes `bytes` of deterministic pseudo-random data (AES-128-CTR keystream of a seed) to `path`, streaming, and
 * returns its sha256. Same seed, same bytes; nothing large is ever committed.
 */
export async function writePseudoRandomFile(path: string, bytes: number, seed: number): Promise<string> {
  const key = createHash('sha256').update(`seed:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const zeros = Buffer.alloc(4 << 20);
  for (let written = 0; written < bytes; ) {
    const n = Math.min(zeros.length, bytes - written);
    const block = cipher.update(zeros.subarray(0, n));
    hash.update(block);
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    written += n;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return hash.digest('hex');
}

/** A DoubleFile for a file on disk. */
export async function diskFile(path: string, diskPath: string, sha256: string): Promise<DoubleFile> {
  return { path, diskPath, bytes: (await stat(diskPath)).size, sha256, lfs: true };
}

/** A small non-LFS file served from memory (config.json and the like). */
export function smallFile(path: string, text: string): DoubleFile {
  const data = Buffer.from(text);
  return {
    path,
    data,
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    lfs: false,
  };
}
