import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'vitest';
import {
  PipelinedBodyWriter,
  pipeBodyToFile,
  WRITE_BYTES,
  WriteBufferPool,
} from '../../src/store/pipelined-body-writer.js';

/** A fake file: records each write's position and keeps the bytes (copied: the writer reuses its buffers). */
function memoryFile(size: number, delayMs = 0) {
  const bytes = Buffer.alloc(size);
  const writes: Array<[number, number]> = [];
  const commit = async (data: Buffer, position: number) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    data.copy(bytes, position);
    writes.push([position, data.length]);
  };
  return { bytes, writes, commit };
}

const pattern = (n: number, offset = 0) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i + offset) % 251));
const chunked = (data: Buffer, size: number) =>
  Readable.from(
    Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size)),
  );

describe('pipeBodyToFile', () => {
  const cases: Array<[string, number, number, number]> = [
    // name, body bytes, chunk size, start offset
    ['a small body in one write', 1000, 100, 0],
    ['several full buffers from slow writes, in order', 3 * WRITE_BYTES + 123, 64 << 10, 0],
    ['from an offset', WRITE_BYTES + 7, 50_000, 5000],
  ];
  for (const [name, size, chunk, start] of cases) {
    test(name, async () => {
      const data = pattern(size, start);
      const file = memoryFile(start + size, 2);
      const reached = await pipeBodyToFile(chunked(data, chunk), start, start + size, file.commit);
      assert.equal(reached, start + size);
      assert.deepEqual(file.bytes.subarray(start), data);
      let expected = start;
      for (const [position, length] of file.writes) {
        assert.equal(position, expected, 'writes are contiguous and in file order');
        assert.ok(length <= WRITE_BYTES);
        expected += length;
      }
    });
  }

  test('bytes past the asked end are not written', async () => {
    const file = memoryFile(100);
    const reached = await pipeBodyToFile(chunked(pattern(300), 64), 0, 100, file.commit);
    assert.equal(reached, 100);
    assert.deepEqual(file.bytes, pattern(100));
  });

  test('a body that fails part-way keeps what arrived and rejects with the stream error', async () => {
    const body = new PassThrough();
    const file = memoryFile(1000);
    const advanced: number[] = [];
    const done = pipeBodyToFile(body, 0, 1000, file.commit, (at) => advanced.push(at));
    body.write(pattern(300));
    setImmediate(() => body.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' })));
    await assert.rejects(done, /reset/);
    assert.deepEqual(file.bytes.subarray(0, 300), pattern(300));
    assert.equal(advanced.at(-1), 300);
  });

  test('a body that ends early resolves with the position reached', async () => {
    const file = memoryFile(1000);
    assert.equal(await pipeBodyToFile(chunked(pattern(400), 100), 0, 1000, file.commit), 400);
  });

  test('a failed write stops the body and rejects with the write error', async () => {
    const body = chunked(pattern(3 * WRITE_BYTES), 64 << 10);
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    await assert.rejects(
      pipeBodyToFile(body, 0, 3 * WRITE_BYTES, async () => {
        throw full;
      }),
      (e: unknown) => e === full,
    );
    assert.ok(body.destroyed);
  });
});

describe('PipelinedBodyWriter', () => {
  test('chunks copied in: bytes in order, the reader paused while every buffer waits on the disk', async () => {
    const size = 5 * WRITE_BYTES + 999;
    const data = pattern(size);
    const file = memoryFile(size, 3);
    let paused = false;
    let pauses = 0;
    const writer = new PipelinedBodyWriter(0, size, file.commit, {
      pause: () => {
        paused = true;
        pauses++;
      },
      resume: () => {
        paused = false;
      },
    });
    let sent = 0;
    while (!writer.complete) {
      if (paused) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      const n = Math.min(1 << 20, size - sent);
      writer.copyIn(data.subarray(sent, sent + n));
      sent += n;
    }
    assert.equal(await writer.done, size);
    assert.ok(file.bytes.equals(data));
    assert.ok(pauses > 0, 'slow writes paused the reader');
  });

  test('ranges of one download share their write buffers (memory is faulted in once, not per range)', async () => {
    const pool = new WriteBufferPool();
    const size = 2 * WRITE_BYTES;
    const seen: ArrayBufferLike[][] = [[], []];
    for (const round of [0, 1]) {
      const data = pattern(size, round);
      const file = memoryFile(size);
      const commit = async (chunk: Buffer, position: number) => {
        seen[round]!.push(chunk.buffer);
        await file.commit(chunk, position);
      };
      assert.equal(await pipeBodyToFile(chunked(data, 64 << 10), 0, size, commit, undefined, pool), size);
      assert.ok(file.bytes.equals(data));
    }
    assert.ok(
      seen[1]!.every((memory) => seen[0]!.includes(memory)),
      "the second range wrote from the first one's buffers",
    );
  });
});
