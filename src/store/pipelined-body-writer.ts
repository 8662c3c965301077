import type { Readable } from 'node:stream';

/** Bytes gathered from the socket before one positioned write (large writes keep syscalls and events few). */
export const WRITE_BYTES = 4 << 20;
/**
 * Write buffers per stream: one being written, one filling, one spare. The socket is paused only when all are
 * full, so reading never waits on a write in the common case and memory stays bounded (12 MiB per connection).
 */
const POOL_BUFFERS = 3;

/** Stores `data` at `position` of the file; resolves once written (the buffer is reused afterwards). */
export type CommitWrite = (data: Buffer, position: number) => Promise<void>;

/**
 * Copies a response body into the file from `start` up to `end` and resolves with the position reached. Reading
 * the socket and writing the file overlap: socket chunks (~64 KiB) are copied into a small pool of reused
 * WRITE_BYTES buffers, full buffers are written one at a time in file order, and the body is paused only when
 * every buffer waits for the disk. Bytes already received are written even when the stream fails, so a retry asks
 * only for the rest; a failed write stops the body and rejects with the write's error.
 */
export function pipeBodyToFile(
  body: Readable,
  start: number,
  end: number,
  commit: CommitWrite,
  onAdvance?: (position: number) => void,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const free: Buffer[] = [];
    let allocated = 0;
    const ready: Array<{ buffer: Buffer; bytes: number; position: number }> = [];
    let current: Buffer | undefined;
    let filled = 0;
    /** File position of the next byte received. */
    let received = start;
    /** File position up to which bytes are written. */
    let written = start;
    let writing = false;
    let ended = false;
    let streamError: unknown;
    let writeError: unknown;
    let settled = false;

    const take = (): Buffer | undefined => {
      const buffer = free.pop();
      if (buffer) return buffer;
      if (allocated >= POOL_BUFFERS) return undefined;
      allocated++;
      return Buffer.allocUnsafe(Math.min(WRITE_BYTES, end - start));
    };
    const seal = () => {
      if (!current || filled === 0) return;
      ready.push({ buffer: current, bytes: filled, position: received - filled });
      current = undefined;
      filled = 0;
    };
    const finish = () => {
      if (settled || writing || ready.length > 0 || !(ended || writeError)) return;
      settled = true;
      cleanup();
      if (!body.destroyed) body.destroy();
      if (writeError !== undefined) reject(writeError);
      else if (streamError !== undefined) reject(streamError);
      else resolve(written);
    };
    const pump = () => {
      if (writing || writeError !== undefined) return finish();
      const next = ready.shift();
      if (!next) return finish();
      writing = true;
      commit(next.buffer.subarray(0, next.bytes), next.position).then(
        () => {
          writing = false;
          written = next.position + next.bytes;
          onAdvance?.(written);
          free.push(next.buffer);
          if (body.isPaused() && !ended) body.resume();
          pump();
        },
        (error: unknown) => {
          writing = false;
          writeError = error;
          ready.length = 0;
          ended = true;
          finish();
        },
      );
    };
    const onData = (piece: Buffer) => {
      let chunk = piece;
      if (chunk.length > end - received) chunk = chunk.subarray(0, end - received);
      while (chunk.length > 0) {
        // A chunk that arrives although every buffer is busy (a stream that ignores pause) grows the pool.
        current ??= take() ?? Buffer.allocUnsafe(Math.min(WRITE_BYTES, end - start));
        const n = chunk.copy(current, filled);
        filled += n;
        received += n;
        chunk = chunk.subarray(n);
        if (filled === current.length) seal();
      }
      if (received >= end) return onEnd();
      pump();
      // Pause only when no buffer is left to fill: the next chunk would have nowhere to go.
      if (!current && free.length === 0 && allocated >= POOL_BUFFERS) body.pause();
    };
    const onEnd = () => {
      if (ended) return;
      ended = true;
      seal();
      body.off('data', onData);
      pump();
    };
    const onError = (error: unknown) => {
      streamError ??= error;
      onEnd();
    };
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('close', onEnd);
      body.off('error', onError);
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('close', onEnd);
    body.on('error', onError);
  });
}
