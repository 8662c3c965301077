import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { GgufError, type GgufProblem } from '../../src/models/gguf/gguf-error.js';
import { ggufValue } from '../../src/models/gguf/gguf-format.js';
import { readGgufFile } from '../../src/models/gguf/gguf-reader.js';
import { writeGgufFile } from '../../src/models/gguf/gguf-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-gguf-err-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Little-endian byte builder for hand-made (broken) files. */
class Bytes {
  private parts: Buffer[] = [];
  raw(b: Buffer | string) {
    this.parts.push(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
    return this;
  }
  u32(n: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return this.raw(b);
  }
  u64(n: bigint | number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return this.raw(b);
  }
  str(s: string) {
    return this.u64(Buffer.byteLength(s)).raw(Buffer.from(s));
  }
  pad(total: number) {
    const length = this.parts.reduce((n, p) => n + p.length, 0);
    return this.raw(Buffer.alloc(Math.max(0, total - length)));
  }
  build() {
    return Buffer.concat(this.parts);
  }
}

/** A valid v3 header start: magic, version, tensor count, kv count. */
const header = (tensors: number | bigint, kvs: number | bigint) =>
  new Bytes().raw('GGUF').u32(3).u64(tensors).u64(kvs);
/** One F32 tensor info. */
const tensorInfo = (b: Bytes, name: string, dims: number[], type = 0, offset = 0) => {
  b.str(name).u32(dims.length);
  for (const d of dims) b.u64(d);
  return b.u32(type).u64(offset);
};

let counter = 0;
async function expectProblem(bytes: Buffer, problem: GgufProblem, message: RegExp): Promise<GgufError> {
  const path = join(dir, `case-${counter++}.gguf`);
  writeFileSync(path, bytes);
  const error = await readGgufFile(path).then(
    () => assert.fail('expected the read to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GgufError, `expected a GgufError, got ${String(error)}`);
  assert.equal(error.problem, problem);
  assert.match(error.message, message);
  assert.ok(error.message.startsWith(path), 'the message names the file');
  assert.ok(error.hint, 'there is a hint');
  return error;
}

describe('GGUF reader errors', () => {
  it('rejects a file that is not GGUF', async () => {
    await expectProblem(
      Buffer.from('PK\u0003\u0004 not a model at all'),
      'not-gguf',
      /not a GGUF file .*"PK/,
    );
  });

  it('says an empty or cut file is truncated and suggests pulling again', async () => {
    const error = await expectProblem(
      Buffer.alloc(0),
      'truncated',
      /file ends at byte 0 while reading magic/,
    );
    assert.match(error.hint!, /download may be incomplete; pull it again/);
    await expectProblem(
      header(0, 1).str('general.name').build(),
      'truncated',
      /while reading value type of general\.name/,
    );
  });

  it('rejects unsupported versions, including big-endian files', async () => {
    await expectProblem(
      new Bytes().raw('GGUF').u32(1).u64(0).u64(0).build(),
      'unsupported',
      /version 1 is not supported/,
    );
    await expectProblem(
      new Bytes()
        .raw('GGUF')
        .raw(Buffer.from([0, 0, 0, 3]))
        .build(),
      'unsupported',
      /big-endian/,
    );
  });

  it('rejects absurd counts and string lengths before allocating', async () => {
    await expectProblem(header(2n ** 40n, 0).build(), 'corrupt', /tensor count is 1099511627776/);
    await expectProblem(header(0, 2n ** 33n).build(), 'corrupt', /metadata key count/);
    await expectProblem(
      header(0, 1)
        .u64(2n ** 60n)
        .build(),
      'corrupt',
      /claims 1152921504606846976 bytes/,
    );
    await expectProblem(
      header(0, 1).u64(1000).raw('abc').build(),
      'truncated',
      /claims 1000 bytes but only 3 remain/,
    );
    await expectProblem(
      header(0, 1).str('tokens').u32(9).u32(8).u64(50_000_000).build(),
      'truncated',
      /array tokens claims 50000000 items/,
    );
  });

  it('rejects unknown value types, nested arrays and duplicate keys', async () => {
    await expectProblem(header(0, 1).str('k').u32(42).build(), 'corrupt', /k has unknown value type 42/);
    await expectProblem(header(0, 1).str('k').u32(9).u32(9).u64(0).build(), 'unsupported', /array of arrays/);
    await expectProblem(
      header(0, 2).str('k').u32(4).u32(1).str('k').u32(4).u32(2).build(),
      'corrupt',
      /key k appears twice/,
    );
    await expectProblem(
      header(0, 1).str('general.alignment').u32(4).u32(48).build(),
      'corrupt',
      /power of two/,
    );
  });

  it('rejects bad tensor infos', async () => {
    const one = (dims: number[], type = 0, offset = 0) =>
      tensorInfo(header(1, 0), 't', dims, type, offset).pad(4096).build();
    await expectProblem(one([1, 1, 1, 1, 1]), 'corrupt', /tensor t has 5 dimensions/);
    await expectProblem(one([4], 31), 'unsupported', /Q4_0_4_4 \(removed from ggml\)/);
    await expectProblem(one([4], 77), 'unsupported', /unknown type 77/);
    await expectProblem(
      one([100], 12),
      'corrupt',
      /row length 100 is not a multiple of the Q4_K block size 256/,
    );
    await expectProblem(one([4], 0, 7), 'corrupt', /data offset 7 is not aligned to 32/);
    await expectProblem(one([2 ** 30, 2 ** 30]), 'corrupt', /impossible shape|ends at byte/);
    const twice = tensorInfo(tensorInfo(header(2, 0), 't', [1]), 't', [1], 0, 32)
      .pad(4096)
      .build();
    await expectProblem(twice, 'corrupt', /tensor t appears twice/);
  });

  it('says tensor data past the end of the file is truncated, naming the tensor', async () => {
    const path = join(dir, 'cut.gguf');
    const data = new Uint8Array(4096);
    await writeGgufFile(path, {
      metadata: { 'general.architecture': ggufValue.string('llama') },
      tensors: [
        { name: 'first', type: 0, dims: [1024], data: () => [data] },
        { name: 'second', type: 0, dims: [1024], data: () => [data] },
      ],
    });
    truncateSync(path, (await readGgufFile(path)).fileBytes - 100);
    await assert.rejects(readGgufFile(path), (error: unknown) => {
      assert.ok(error instanceof GgufError);
      assert.equal(error.problem, 'truncated');
      assert.match(error.message, /tensor second data ends at byte \d+ but the file has only \d+ bytes/);
      return true;
    });
  });

  it('reports a missing file or a directory as an OpsError with a hint', async () => {
    await assert.rejects(
      readGgufFile(join(dir, 'nope.gguf')),
      (e: unknown) => e instanceof OpsError && /ENOENT/.test(e.message),
    );
    await assert.rejects(
      readGgufFile(dir),
      (e: unknown) => e instanceof OpsError && /not a regular file/.test(e.message),
    );
  });
});
