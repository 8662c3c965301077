import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { GgmlType } from '../../src/models/gguf/ggml-types.js';
import { type GgufMetadata, ggufValue } from '../../src/models/gguf/gguf-format.js';
import { ggufModelShape } from '../../src/models/gguf/gguf-model-shape.js';
import { readGgufFile } from '../../src/models/gguf/gguf-reader.js';
import { type GgufTensorSpec, writeGgufFile } from '../../src/models/gguf/gguf-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tensor whose bytes are a recognisable pattern, yielded in uneven chunks. */
function patterned(name: string, type: number, dims: number[], bytes: number): GgufTensorSpec {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 7 + name.length) & 0xff;
  return { name, type, dims, data: () => [data.subarray(0, 5), data.subarray(5)] };
}

const allTypes: GgufMetadata = {
  'general.architecture': ggufValue.string('llama'),
  'general.alignment': ggufValue.uint32(64),
  'general.file_type': ggufValue.uint32(7),
  'test.u8': ggufValue.uint8(255),
  'test.i8': ggufValue.int8(-128),
  'test.u16': ggufValue.uint16(65535),
  'test.i16': ggufValue.int16(-32768),
  'test.u32': ggufValue.uint32(4294967295),
  'test.i32': ggufValue.int32(-2147483648),
  'test.f32': ggufValue.float32(0.5),
  'test.f64': ggufValue.float64(Math.PI),
  'test.u64': ggufValue.uint64(2n ** 64n - 1n),
  'test.i64': ggufValue.int64(-(2n ** 63n)),
  'test.bool': ggufValue.bool(true),
  'test.string': ggufValue.string('héllo, wörld ✓'),
  'test.empty_string': ggufValue.string(''),
  'test.strings': ggufValue.array('string', ['<s>', '', 'ünï', '<0x0A>']),
  'test.ints': ggufValue.array('int32', [-1, 0, 1, 2147483647]),
  'test.floats': ggufValue.array('float32', [0, -1.5, 1e-5]),
  'test.bools': ggufValue.array('bool', [true, false]),
  'test.u64s': ggufValue.array('uint64', [0n, 1n, 2n ** 40n]),
  'test.empty_array': ggufValue.array('uint8', []),
  'llama.block_count': ggufValue.uint32(2),
  'llama.embedding_length': ggufValue.uint32(256),
  'llama.attention.head_count': ggufValue.uint32(8),
};

describe('GGUF writer → reader', () => {
  it('round-trips every metadata value type and the tensor layout', async () => {
    const path = join(dir, 'all.gguf');
    const tensors = [
      patterned('a.f32', GgmlType.F32, [3], 12),
      patterned('b.f16', GgmlType.F16, [8, 2], 32),
      patterned('c.q8_0', GgmlType.Q8_0, [64, 3], 6 * 34),
      patterned('d.q4_k', GgmlType.Q4_K, [256, 1, 1, 2], 2 * 144),
    ];
    const written = await writeGgufFile(path, { metadata: allTypes, tensors });
    const file = readFileSync(path);
    assert.equal(written.bytes, file.length);
    assert.equal(written.sha256, createHash('sha256').update(file).digest('hex'));

    const gguf = await readGgufFile(path);
    assert.equal(gguf.version, 3);
    assert.equal(gguf.fileBytes, file.length);
    assert.equal(gguf.alignment, 64);
    assert.equal(gguf.architecture, 'llama');
    assert.deepEqual(gguf.fileType, { id: 7, name: 'Q8_0' });
    const expected = { ...allTypes, 'test.floats': ggufValue.array('float32', [0, -1.5, Math.fround(1e-5)]) };
    assert.deepEqual(gguf.metadata, expected);
    assert.deepEqual(Object.keys(gguf.metadata), Object.keys(allTypes), 'keys keep their order');

    assert.equal(gguf.dataOffset % 64, 0);
    assert.deepEqual(
      gguf.tensors.map((t) => [t.name, t.typeName, t.dims, t.elements, t.bytes]),
      [
        ['a.f32', 'F32', [3], 3, 12],
        ['b.f16', 'F16', [8, 2], 16, 32],
        ['c.q8_0', 'Q8_0', [64, 3], 192, 204],
        ['d.q4_k', 'Q4_K', [256, 1, 1, 2], 512, 288],
      ],
    );
    assert.equal(gguf.tensorBytes, 12 + 32 + 204 + 288);
    for (const [i, t] of gguf.tensors.entries()) {
      assert.equal(t.offset % 64, 0, `${t.name} is aligned`);
      const source = Buffer.concat([...(tensors[i]!.data() as Iterable<Uint8Array>)]);
      assert.deepEqual(
        file.subarray(t.offset, t.offset + t.bytes),
        source,
        `${t.name} data lands at its offset`,
      );
    }
    // Each tensor is padded to the alignment, the last one included.
    const last = gguf.tensors.at(-1)!;
    assert.equal(gguf.fileBytes, Math.ceil((last.offset + last.bytes) / 64) * 64);
  });

  it('reads headers larger than the first read (a big vocabulary)', async () => {
    const path = join(dir, 'big-vocab.gguf');
    const tokens = Array.from({ length: 400_000 }, (_, i) => `token-${i}`);
    await writeGgufFile(path, {
      metadata: {
        'general.architecture': ggufValue.string('qwen2'),
        'tokenizer.ggml.tokens': ggufValue.array('string', tokens),
      },
      tensors: [patterned('t', GgmlType.F32, [4], 16)],
    });
    const gguf = await readGgufFile(path);
    assert.ok(gguf.dataOffset > 4 << 20, 'header is bigger than the first read');
    assert.equal(ggufModelShape(gguf.metadata).vocabSize, 400_000);
    assert.equal(gguf.tensors[0]!.bytes, 16);
  });

  it('derives the model shape, defaulting head size to embedding / heads', async () => {
    const shape = ggufModelShape(allTypes);
    assert.equal(shape.architecture, 'llama');
    assert.equal(shape.blockCount, 2);
    assert.equal(shape.headCountKv, 8, 'no head_count_kv means no GQA');
    assert.equal(shape.keyLength, 32);
    assert.equal(shape.valueLength, 32);
    assert.equal(shape.contextLength, undefined);

    const perLayer = ggufModelShape({
      'general.architecture': ggufValue.string('hybrid'),
      'hybrid.attention.head_count': ggufValue.uint32(32),
      'hybrid.attention.head_count_kv': ggufValue.array('uint32', [0, 8, 0, 8]),
      'hybrid.attention.key_length': ggufValue.uint32(128),
    });
    assert.equal(perLayer.headCountKv, 8);
    assert.deepEqual(perLayer.headCountKvPerLayer, [0, 8, 0, 8]);
    assert.equal(perLayer.keyLength, 128);
  });
});

describe('GGUF writer', () => {
  const leftovers = () => readdirSync(dir).filter((f) => f.endsWith('.partial'));

  it('leaves nothing behind when a tensor produces the wrong number of bytes', async () => {
    const path = join(dir, 'short.gguf');
    const bad: GgufTensorSpec = { name: 'x', type: GgmlType.F32, dims: [4], data: () => [new Uint8Array(8)] };
    await assert.rejects(
      writeGgufFile(path, { metadata: {}, tensors: [bad] }),
      /produced 8 bytes, expected 16/,
    );
    assert.throws(() => readFileSync(path), /ENOENT/);
    assert.deepEqual(leftovers(), []);
  });

  it('refuses values and shapes llama.cpp could not read', async () => {
    const write = (metadata: GgufMetadata, tensors: GgufTensorSpec[] = []) =>
      writeGgufFile(join(dir, 'invalid.gguf'), { metadata, tensors });
    await assert.rejects(write({ k: ggufValue.uint8(256) }), /k: 256 is not a valid uint8/);
    await assert.rejects(write({ k: ggufValue.int32(1.5) }), OpsError);
    await assert.rejects(write({ k: ggufValue.array('string', ['a', 1]) }), /not a valid string/);
    await assert.rejects(write({ 'general.alignment': ggufValue.uint32(12) }), /multiple of 8/);
    await assert.rejects(
      write({}, [patterned('q', GgmlType.Q4_K, [128], 72)]),
      /not a multiple of the Q4_K block size 256/,
    );
    await assert.rejects(
      write({}, [patterned('t', 31, [4], 4)]),
      /Q4_0_4_4 \(removed from ggml\) is not supported/,
    );
    await assert.rejects(write({}, [patterned('t', 0, [1, 1, 1, 1, 1], 4)]), /5 dimensions/);
    await assert.rejects(write({}, [patterned('t', 0, [1], 4), patterned('t', 0, [1], 4)]), /listed twice/);
    await assert.rejects(write({}, [patterned('x'.repeat(64), 0, [1], 4)]), /longer than 63 bytes/);
    assert.deepEqual(leftovers(), []);
  });
});
