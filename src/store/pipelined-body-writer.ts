import type { Readable } from 'node:stream';

/** Bytes gathered from the socket before one positioned write (large writes keep syscalls and events few). */
export const WRITE_BYTES = 4 << 20;
/**
 * Write buffers per stream: one being written, one filling, one spare. The reader is paused only when all are
 * full, so reading never waits on a write in the common case and memory stays bounded (12 MiB per connection).
 */
const POOL_BUFFERS = 3;

/** Stores `data` at `position` of the file; resolves once written (the buffer is reused afterwards). */
export type CommitWrite = (data: Buffer, position: number) => Promise<void>;

export interface BodyWriterHooks {
  /** Every buffer waits on the disk: stop reading. */
  pause: () => void;
  /** A buffer is free again: reading may go on. */
  resume: () => void;
  /** Bytes up to `position` are written (a retry asks only for what follows). */
  onAdvance?: (position: number) => void;
}

/**
 * Gathers a body's bytes for the file range `[start, end)` into a small pool of reused WRITE_BYTES buffers and
 * writes full buffers one at a time in file order, so reading and writing overlap. The body's chunks arrive
 * through `copyIn(chunk)`. `pause` is called when no buffer is left to fill and
 * `resume` when one frees up. The buffers live on SharedArrayBuffers so a hashing thread can read them without a
 * copy. `done` resolves with the position written up to, after `end()`; bytes already received are written even
 * when the body failed, and a failed write rejects `done` with the write's error.
 */
export class PipelinedBodyWriter {
  readonly done: Promise<number>;
  private resolveDone!: (position: number) => void;
  private rejectDone!: (error: unknown) => void;
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private readonly ready: Array<{ buffer: Buffer; bytes: number; position: number }> = [];
  private current: Buffer | undefined;
  private filledBytes = 0;
  /** File position of the next byte received. */
  private received: number;
  /** File position up to which bytes are written. */
  private written: number;
  private writing = false;
  private ended = false;
  private paused = false;
  private streamError: unknown;
  private writeError: unknown;
  private settled = false;

  constructor(
    private readonly start: number,
    private readonly end: number,
    private readonly commit: CommitWrite,
    private readonly hooks: BodyWriterHooks,
    private readonly pool: WriteBufferPool = new WriteBufferPool(),
  ) {
    this.received = start;
    this.written = start;
    this.done = new Promise<number>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
  }

  /** File position of the next byte expected. */
  get position(): number {
    return this.received;
  }

  /** True once every byte of the range has been received (or the writer was ended). */
  get complete(): boolean {
    return this.received >= this.end || this.ended;
  }

  /** Copies a chunk in (bytes past `end` are dropped). */
  copyIn(piece: Buffer): void {
    if (this.ended) return;
    let chunk = piece.length > this.end - this.received ? piece.subarray(0, this.end - this.received) : piece;
    while (chunk.length > 0) {
      // A chunk that arrives although every buffer is busy (a reader that ignores pause) grows the pool.
      this.current ??= this.take() ?? this.allocate();
      const n = Math.min(chunk.length, this.current.length - this.filledBytes);
      // TypedArray#set is a plain memcpy; Buffer#copy took about 20× as long per 64 KiB chunk on Node 20 (and was
      // most of a download's CPU time once bodies arrived as stream chunks).
      this.current.set(n === chunk.length ? chunk : chunk.subarray(0, n), this.filledBytes);
      this.filledBytes += n;
      this.received += n;
      chunk = chunk.subarray(n);
      if (this.filledBytes === this.current.length) this.seal();
    }
    this.afterInput();
  }

  /** No more bytes will come; `error` (a failed body) is what `done` rejects with after the rest is written. */
  finish(error?: unknown): void {
    if (error !== undefined) this.streamError ??= error;
    if (this.ended) return;
    this.ended = true;
    this.seal();
    this.pump();
  }

  private afterInput(): void {
    if (this.received >= this.end) {
      this.finish();
      return;
    }
    this.pump();
    // Pause only when no buffer is left to fill: the next bytes would have nowhere to go.
    if (!this.current && this.free.length === 0 && this.allocated >= POOL_BUFFERS && !this.paused) {
      this.paused = true;
      this.hooks.pause();
    }
  }

  private take(): Buffer | undefined {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    if (this.allocated >= POOL_BUFFERS) return undefined;
    return this.allocate();
  }

  private allocate(): Buffer {
    this.allocated++;
    return this.pool.take(Math.max(1, Math.min(WRITE_BYTES, this.end - this.start)));
  }

  private seal(): void {
    if (!this.current || this.filledBytes === 0) return;
    this.ready.push({
      buffer: this.current,
      bytes: this.filledBytes,
      position: this.received - this.filledBytes,
    });
    this.current = undefined;
    this.filledBytes = 0;
  }

  private settle(): void {
    if (this.settled || this.writing || this.ready.length > 0 || !(this.ended || this.writeError)) return;
    this.settled = true;
    // Every buffer is idle now (none is being written, none waits): the download's next range may use them.
    this.pool.give(this.current ? [...this.free, this.current] : this.free);
    this.free.length = 0;
    this.current = undefined;
    if (this.writeError !== undefined) this.rejectDone(this.writeError);
    else if (this.streamError !== undefined) this.rejectDone(this.streamError);
    else this.resolveDone(this.written);
  }

  private pump(): void {
    if (this.writing || this.writeError !== undefined) {
      this.settle();
      return;
    }
    const next = this.ready.shift();
    if (!next) {
      this.settle();
      return;
    }
    this.writing = true;
    this.commit(next.buffer.subarray(0, next.bytes), next.position).then(
      () => {
        this.writing = false;
        this.written = next.position + next.bytes;
        this.hooks.onAdvance?.(this.written);
        this.free.push(next.buffer);
        if (this.paused && !this.ended) {
          this.paused = false;
          this.hooks.resume();
        }
        this.pump();
      },
      (error: unknown) => {
        this.writing = false;
        this.writeError = error;
        this.ready.length = 0;
        this.ended = true;
        this.settle();
      },
    );
  }
}

/**
 * Copies a response body into the file from `start` up to `end` and resolves with the position reached (see
 * PipelinedBodyWriter). The body is paused while every buffer waits on the disk, and destroyed at the end or
 * on a failed write.
 */
export function pipeBodyToFile(
  body: Readable,
  start: number,
  end: number,
  commit: CommitWrite,
  onAdvance?: (position: number) => void,
  pool?: WriteBufferPool,
): Promise<number> {
  const writer = new PipelinedBodyWriter(
    start,
    end,
    commit,
    { pause: () => body.pause(), resume: () => body.resume(), onAdvance },
    pool,
  );
  const onData = (chunk: Buffer) => {
    writer.copyIn(chunk);
    if (writer.complete) onEnd();
  };
  const onEnd = () => writer.finish();
  const onError = (error: unknown) => writer.finish(error);
  body.on('data', onData);
  body.once('end', onEnd);
  body.once('close', onEnd);
  body.on('error', onError);
  const cleanup = () => {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('close', onEnd);
    body.off('error', onError);
    if (!body.destroyed) body.destroy();
  };
  // A failed write must stop the body now, not when the rest of it has arrived.
  return writer.done.finally(cleanup);
}

/**
 * Write buffers shared by the body writers of one download. Fresh shared memory costs a page fault per 4 KiB on
 * first touch: with a new pool per range that was most of a download's CPU time (about 1 s per 128 MiB on this
 * project's 2-core CI machine, against tens of ms for reused buffers), so full-size buffers go back here when a
 * range is done and the next range fills them again.
 */
export class WriteBufferPool {
  private readonly spare: Buffer[] = [];

  /** A page-aligned shared buffer of `bytes`, reused when it is a full WRITE_BYTES one. */
  take(bytes: number): Buffer {
    return (bytes === WRITE_BYTES ? this.spare.pop() : undefined) ?? pageAlignedSharedBuffer(bytes);
  }

  /** Buffers no writer uses any more. */
  give(buffers: readonly Buffer[]): void {
    for (const buffer of buffers) if (buffer.length === WRITE_BYTES) this.spare.push(buffer);
  }
}

/** A WebAssembly page: 64 KiB (WebAssembly core spec, §2.5.5 "Memories"). */
const WASM_PAGE_BYTES = 64 << 10;

/**
 * A SharedArrayBuffer whose first byte is page-aligned, so O_DIRECT writes accept it. A plain SharedArrayBuffer
 * comes from malloc and was never even 512-byte aligned in a test (every direct write EINVAL); a shared WebAssembly memory is
 * mapped whole pages by V8.
 */
function pageAlignedSharedBuffer(bytes: number): Buffer {
  const pages = Math.ceil(bytes / WASM_PAGE_BYTES);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  return Buffer.from(memory.buffer, 0, bytes);
}
