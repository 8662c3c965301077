import net from 'node:net';
import tls from 'node:tls';
import { httpStatusError } from './http-get.js';
import {
  classifyRangedAnswer,
  MAX_HEAD_BYTES,
  parseResponseHead,
  type ResponseHead,
} from './http-response-head.js';
import { type CommitWrite, PipelinedBodyWriter } from './pipelined-body-writer.js';
import { DownloadError } from './store-errors.js';

/**
 * A lean HTTP/1.1 client for the download's ranged data requests only (API calls and redirects stay on
 * node:http). The socket reads straight into the pipelined writer's buffers through net's `onread` option
 * (Node ≥ 14.5: "a reusable chunk of memory ... or a function that returns such"), so no per-chunk Buffer, stream
 * event or copy is made: on the loopback benchmark node:http's `data` path reached about 0.4× curl, this one
 * about curl's rate. Anything it does not handle (redirect, chunked or unsized body, a malformed head) is handed
 * back to node:http as a `fallback`.
 */
export interface RangedFetchRequest {
  url: URL;
  headers: Record<string, string>;
  /** `[start, end)`. */
  range: { start: number; end: number };
  /** A strong ETag sent as If-Range. */
  ifRange?: string;
  signal: AbortSignal;
  /** No byte from the server for this long (while not waiting on the disk) fails the request; default 30 s. */
  idleTimeoutMs?: number;
  commit: CommitWrite;
  /** Bytes up to `position` are written; also called before a failure, so a retry asks only for the rest. */
  onAdvance: (position: number) => void;
}

export type RangedFetchOutcome =
  | { kind: 'done'; position: number }
  | { kind: 'fallback'; reason: string }
  /** 200 to a ranged If-Range request: the file changed (or ranges stopped working). */
  | { kind: 'whole' };

/** The socket the direct reader opens for a URL: TCP for http:, TLS for https:, none for other schemes. */
export function directTransport(url: URL): 'tcp' | 'tls' | undefined {
  if (url.protocol === 'http:') return 'tcp';
  if (url.protocol === 'https:') return 'tls';
  return undefined;
}

/** Where to connect: host without IPv6 brackets, default ports, and SNI for names only (RFC 6066 §3: no IP literals). */
export function connectTarget(url: URL): {
  transport: 'tcp' | 'tls';
  host: string;
  port: number;
  servername?: string;
} {
  const transport = directTransport(url);
  if (!transport) throw new DownloadError(`unsupported URL scheme ${url.protocol} in ${url.href}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : transport === 'tls' ? 443 : 80;
  return {
    transport,
    host,
    port,
    ...(transport === 'tls' && net.isIP(host) === 0 ? { servername: host } : {}),
  };
}

/** The request bytes for a ranged GET. Header values with CR or LF are refused (they would inject headers). */
export function formatRangeRequest(
  url: URL,
  headers: Record<string, string>,
  range: { start: number; end: number },
  ifRange?: string,
): string {
  const fields: Record<string, string> = { host: url.host, 'user-agent': 'ops-model-store' };
  for (const [name, value] of Object.entries(headers)) fields[name.toLowerCase()] = value;
  fields.range = `bytes=${range.start}-${range.end - 1}`;
  if (ifRange) fields['if-range'] = ifRange;
  let text = `GET ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(fields)) {
    if (/[\r\n]/.test(value) || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name))
      throw new DownloadError(`refusing to send the header ${JSON.stringify(name)}: it holds a line break`);
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}

/** Reads the bytes of ranged GETs into a file, keeping finished connections open for the next range. */
export class RangedBodyReader {
  private readonly idle = new Map<string, Connection[]>();

  /** Fetches `range` of `url` into the file through `commit`. Rejects with the bytes received kept (onAdvance). */
  async fetch(request: RangedFetchRequest): Promise<RangedFetchOutcome> {
    const reused = this.takeIdle(request.url.origin);
    if (reused) {
      const outcome = await reused.exchange(request).catch((error: unknown) => {
        // A kept-alive connection the server closed meanwhile: not a failure of the download, try a fresh one.
        if (error instanceof StaleConnectionError) return undefined;
        throw error;
      });
      if (outcome) return this.release(request.url.origin, reused, outcome);
    }
    const fresh = new Connection(request.url);
    return this.release(request.url.origin, fresh, await fresh.exchange(request));
  }

  /** Closes the kept-alive connections. */
  close(): void {
    for (const list of this.idle.values()) for (const c of list) c.destroy();
    this.idle.clear();
  }

  private takeIdle(origin: string): Connection | undefined {
    const list = this.idle.get(origin) ?? [];
    for (let c = list.pop(); c; c = list.pop()) if (c.reusable) return c;
    return undefined;
  }

  private release(origin: string, connection: Connection, outcome: RangedFetchOutcome): RangedFetchOutcome {
    if (connection.reusable) this.idle.set(origin, [...(this.idle.get(origin) ?? []), connection]);
    else connection.destroy();
    return outcome;
  }
}

class StaleConnectionError extends Error {}

/** Bytes the socket reads while no write buffer is free, or while idle; copied out at once. */
const SPILL_BYTES = 64 << 10;

/** One socket and the exchange (request and response) now using it. */
class Connection {
  private readonly socket: net.Socket;
  private readonly spill = Buffer.allocUnsafe(SPILL_BYTES);
  private current: Exchange | undefined;
  private keepAlive = false;
  private exchanges = 0;

  constructor(url: URL) {
    const target = connectTarget(url);
    const onread: net.OnReadOpts = {
      buffer: (): Uint8Array => this.current?.target() ?? this.spill,
      // Back-pressure pauses the socket itself (socket.pause stops reading too), so this always says go on.
      callback: (n: number, buffer: Uint8Array): boolean => {
        if (this.current) this.current.received(n, buffer);
        // Bytes nobody asked for: the connection's framing can no longer be trusted.
        else this.socket.destroy();
        return true;
      },
    };
    const { host, port } = target;
    if (target.transport === 'tls') {
      // Default CA store and host name check; SNI from the URL's host name. tls.connect documents `onread`
      // (Node docs, tls.connect options) though @types/node does not list it.
      const options: tls.ConnectionOptions & { onread: net.OnReadOpts } = { host, port, onread };
      if (target.servername) options.servername = target.servername;
      this.socket = tls.connect(options);
    } else this.socket = net.connect({ host, port, onread });
    this.socket.on('error', (error) => this.current?.fail(error));
    this.socket.on('end', () => this.current?.closed());
    this.socket.on('close', () => this.current?.closed());
    this.socket.setNoDelay(true);
  }

  get reusable(): boolean {
    return this.keepAlive && !this.current && !this.socket.destroyed && !this.socket.readableEnded;
  }

  destroy(): void {
    this.socket.destroy();
  }

  async exchange(request: RangedFetchRequest): Promise<RangedFetchOutcome> {
    this.keepAlive = false;
    const exchange = new Exchange(request, this.socket, this.spill, this.exchanges++ > 0);
    this.current = exchange;
    try {
      const outcome = await exchange.run();
      this.keepAlive = exchange.keepAlive;
      return outcome;
    } finally {
      this.current = undefined;
      if (!this.keepAlive) this.socket.destroy();
    }
  }
}

/** One ranged GET on a connection: head first (into its own buffer), then the body straight into the writer. */
class Exchange {
  keepAlive = false;
  private readonly head = Buffer.allocUnsafe(MAX_HEAD_BYTES);
  private headLength = 0;
  private writer: PipelinedBodyWriter | undefined;
  /** Every body byte has arrived (the writer may still be writing). */
  private bodyDone = false;
  private settled = false;
  private settle!: (outcome: RangedFetchOutcome | Error) => void;
  private readonly finished: Promise<RangedFetchOutcome | Error>;
  private readonly timer: NodeJS.Timeout;
  private readonly idleMs: number;
  private receivedAny = false;
  private waitingOnDisk = false;
  /** The buffer last given to the socket to read into; bytes that land elsewhere (the spill) are copied. */
  private handedOut: Buffer | undefined;

  constructor(
    private readonly request: RangedFetchRequest,
    private readonly socket: net.Socket,
    private readonly spill: Buffer,
    private readonly reused: boolean,
  ) {
    this.finished = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.idleMs = request.idleTimeoutMs ?? 30_000;
    // Ref'd on purpose: a stalled server must fail the pull, not let the process exit silently.
    this.timer = setTimeout(() => this.stalled(), this.idleMs);
  }

  async run(): Promise<RangedFetchOutcome> {
    const { signal } = this.request;
    const onAbort = () => this.fail(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) onAbort();
      else {
        this.socket.write(
          formatRangeRequest(
            this.request.url,
            this.request.headers,
            this.request.range,
            this.request.ifRange,
          ),
        );
        // A kept-alive socket may have been left paused by its last exchange's back-pressure.
        this.socket.resume();
      }
      const result = await this.finished;
      if (result instanceof Error) throw result;
      return result;
    } finally {
      clearTimeout(this.timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Where the socket reads next: the head buffer, then the writer's free space, else the spill buffer. */
  target(): Buffer {
    const space = this.writer
      ? this.writer.space()
      : this.settled
        ? undefined
        : this.head.subarray(this.headLength);
    this.handedOut = space;
    return space ?? this.spill;
  }

  received(n: number, buffer: Uint8Array): void {
    this.receivedAny = true;
    if (this.bodyDone || this.settled) {
      // More than the announced length: the next response on this connection could not be framed.
      this.keepAlive = false;
      return;
    }
    this.timer.refresh();
    if (this.writer) {
      if (buffer === this.handedOut) this.writer.filled(n);
      else this.writer.copyIn(Buffer.from(buffer.buffer, buffer.byteOffset, n));
      if (this.writer.complete) this.bodyComplete();
      return;
    }
    if (buffer === this.handedOut) this.headLength += n;
    else {
      const room = Math.min(n, MAX_HEAD_BYTES - this.headLength);
      this.head.set(buffer.subarray(0, room), this.headLength);
      this.headLength += room;
    }
    let head: ResponseHead | undefined;
    try {
      head = parseResponseHead(this.head.subarray(0, this.headLength));
    } catch (error) {
      this.fallBack((error as Error).message);
      return;
    }
    if (head) this.startBody(head);
  }

  /** The server closed (or reset) the connection. */
  closed(): void {
    if (this.bodyDone || this.settled) return;
    if (!this.receivedAny && this.reused) {
      this.socket.destroy();
      this.finishWith(new StaleConnectionError('stale keep-alive'));
      return;
    }
    this.fail(
      Object.assign(new Error(`${this.request.url.host} closed the connection early`), {
        code: 'ECONNRESET',
        transient: true,
      }),
    );
  }

  /** Stops the exchange; bytes already received are written before it rejects with `error`. */
  fail(error: unknown): void {
    if (this.bodyDone || this.settled) return;
    this.keepAlive = false;
    this.socket.destroy();
    const writer = this.writer;
    if (!writer) {
      this.finishWith(asError(error));
      return;
    }
    this.bodyDone = true;
    writer.finish(error);
    writer.done.then(
      () => this.finishWith(asError(error)),
      (writeOrStreamError: unknown) => this.finishWith(asError(writeOrStreamError)),
    );
  }

  private startBody(head: ResponseHead): void {
    const { range } = this.request;
    let answer: ReturnType<typeof classifyRangedAnswer>;
    try {
      answer = classifyRangedAnswer(head, range);
    } catch (error) {
      this.socket.destroy();
      this.finishWith(new DownloadError(`${this.request.url.host}: ${(error as Error).message}`));
      return;
    }
    if (answer.kind === 'fallback') {
      this.fallBack(answer.reason);
      return;
    }
    if (answer.kind === 'whole' || answer.kind === 'status') {
      this.socket.destroy();
      this.finishWith(
        answer.kind === 'whole'
          ? { kind: 'whole' }
          : httpStatusError(this.request.url.href, answer.status, ''),
      );
      return;
    }
    const writer = new PipelinedBodyWriter(range.start, range.start + answer.bodyBytes, this.request.commit, {
      // Waiting on the disk is not a stalled server: the idle timer sleeps meanwhile.
      pause: () => {
        this.waitingOnDisk = true;
        this.socket.pause();
      },
      resume: () => {
        this.waitingOnDisk = false;
        this.timer.refresh();
        this.socket.resume();
      },
      onAdvance: this.request.onAdvance,
    });
    this.writer = writer;
    // A failed write ends the exchange now: the socket may be paused waiting for a buffer that will never free.
    writer.done.catch((error: unknown) => this.fail(error));
    const early = this.head.subarray(head.headBytes, this.headLength);
    this.keepAlive = answer.keepAlive && early.length <= answer.bodyBytes;
    writer.copyIn(early);
    if (writer.complete) this.bodyComplete();
  }

  private bodyComplete(): void {
    const writer = this.writer!;
    this.bodyDone = true;
    clearTimeout(this.timer);
    writer.finish();
    writer.done.then(
      (position) => this.finishWith({ kind: 'done', position }),
      (error: unknown) => {
        this.keepAlive = false;
        this.finishWith(asError(error));
      },
    );
  }

  private fallBack(reason: string): void {
    this.socket.destroy();
    this.finishWith({ kind: 'fallback', reason });
  }

  private stalled(): void {
    if (this.waitingOnDisk) {
      this.timer.refresh();
      return;
    }
    this.fail(
      Object.assign(new Error(`no data from ${this.request.url.host} for ${this.idleMs / 1000} s`), {
        code: 'ETIMEDOUT',
      }),
    );
  }

  private finishWith(result: RangedFetchOutcome | Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.settle(result);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
