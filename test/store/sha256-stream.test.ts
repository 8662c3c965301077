import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'vitest';
import { inThreadSha256, workerSha256 } from '../../src/store/sha256-stream.js';

describe('sha256 streams', () => {
  const pieces = [
    Buffer.from(new SharedArrayBuffer(1 << 20)).fill(7),
    Buffer.from('a plain (not shared) buffer'),
    Buffer.from(new SharedArrayBuffer(4096)).fill(9).subarray(100, 300),
  ];
  const expected = createHash('sha256');
  for (const p of pieces) expected.update(p);
  const hex = expected.digest('hex');

  for (const [name, make] of [
    ['in thread', inThreadSha256],
    ['on a worker thread', workerSha256],
  ] as const) {
    test(`${name}: the digest of shared and plain buffers, in call order`, async () => {
      const stream = make();
      try {
        await Promise.all(pieces.map((p) => stream.update(p)));
        assert.equal(await stream.digest(), hex);
      } finally {
        stream.close();
      }
    });
  }

  test('a closed worker stream rejects further use instead of hanging', async () => {
    const stream = workerSha256();
    stream.close();
    await assert.rejects(stream.update(Buffer.from('x')), /closed/);
  });
});
