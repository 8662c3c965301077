import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { EventBus, type OpsEvent } from '../../src/core/events.js';
import { ggmlTypeInfo } from '../../src/models/gguf/ggml-types.js';
import { plainGgufValue } from '../../src/models/gguf/gguf-format.js';
import { ggufModelShape } from '../../src/models/gguf/gguf-model-shape.js';
import { readGgufFile } from '../../src/models/gguf/gguf-reader.js';
import { encodeGgufHeader } from '../../src/models/gguf/gguf-writer.js';
import {
  ensureSmokeModel,
  resolveSmokeShape,
  SMOKE_PRESETS,
  smokeModelSpec,
  writeSmokeModel,
} from '../../src/models/smoke-model.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('smoke model', () => {
  it('is byte-identical for the same arguments and different for another seed', async () => {
    const a = await writeSmokeModel({ out: join(dir, 'a.gguf'), size: 'tiny', seed: 5 });
    const b = await writeSmokeModel({ out: join(dir, 'b.gguf'), size: 'tiny', seed: 5 });
    const c = await writeSmokeModel({ out: join(dir, 'c.gguf'), size: 'tiny', seed: 6 });
    assert.equal(sha256(a.path), sha256(b.path));
    assert.equal(a.sha256, sha256(a.path));
    assert.notEqual(c.sha256, a.sha256);
  });

  it('is a llama model llama.cpp can load and K-quantize: shape, vocabulary, template, long context', async () => {
    const out = join(dir, 'tiny.gguf');
    const events: OpsEvent[] = [];
    const bus = new EventBus();
    bus.on(({ at: _at, ...event }) => events.push(event as OpsEvent));
    const result = await writeSmokeModel({ out, size: 'tiny', bus });
    assert.deepEqual(events, [
      { kind: 'model:written', path: out, bytes: result.bytes, sha256: result.sha256 },
    ]);

    const gguf = await readGgufFile(out);
    assert.ok(gguf.fileBytes < 8 << 20, 'tiny is a few MB');
    assert.equal(gguf.dataOffset + gguf.tensorBytes, gguf.fileBytes, 'header + tensors is the whole file');
    assert.equal(gguf.fileType?.name, 'F32');
    const shape = ggufModelShape(gguf.metadata);
    assert.deepEqual(
      [
        shape.architecture,
        shape.blockCount,
        shape.embeddingLength,
        shape.headCount,
        shape.headCountKv,
        shape.keyLength,
      ],
      ['llama', 2, 256, 4, 2, 64],
    );
    assert.equal(shape.contextLength, 131072);

    const tokens = plainGgufValue(gguf.metadata['tokenizer.ggml.tokens']!) as string[];
    const types = plainGgufValue(gguf.metadata['tokenizer.ggml.token_type']!) as number[];
    assert.equal(shape.vocabSize, tokens.length);
    assert.deepEqual(tokens.slice(0, 4), ['<unk>', '<s>', '</s>', '<0x00>']);
    assert.equal(tokens[3 + 0x0a], '<0x0A>');
    assert.ok(
      types.slice(3, 259).every((t) => t === 6),
      'byte tokens have type BYTE',
    );
    assert.equal(types[tokens.indexOf('<|im_end|>')], 3, 'chat tokens are CONTROL');
    assert.equal(plainGgufValue(gguf.metadata['tokenizer.ggml.eot_token_id']!), tokens.indexOf('<|im_end|>'));
    const template = plainGgufValue(gguf.metadata['tokenizer.chat_template']!) as string;
    assert.match(template, /<\|im_start\|>/);
    assert.match(template, /tools/);

    for (const t of gguf.tensors) {
      if (t.dims.length === 2) assert.equal(t.dims[0]! % 256, 0, `${t.name} rows are whole K-quant blocks`);
    }
    assert.ok(gguf.tensors.some((t) => t.name === 'blk.1.ffn_down.weight'));
  });

  it('bench is about 100 MB of F16 (layout computed without writing it)', () => {
    const spec = smokeModelSpec(resolveSmokeShape('bench'), 1, 'bench');
    const { layout } = encodeGgufHeader(spec.metadata, spec.tensors);
    assert.ok(layout.fileBytes > 80e6 && layout.fileBytes < 130e6, `${layout.fileBytes} bytes`);
    const f16 = layout.tensors.filter((t) => ggmlTypeInfo(t.type)?.name === 'F16');
    assert.equal(f16.length, 2 + SMOKE_PRESETS.bench.blockCount * 7);
  });

  it('ensureSmokeModel keeps a matching file and rewrites a changed or damaged one', async () => {
    const out = join(dir, 'ensure.gguf');
    const first = await ensureSmokeModel({ out, seed: 9 });
    assert.equal(first.reused, false);
    const mtime = statSync(out).mtimeMs;
    const again = await ensureSmokeModel({ out, seed: 9 });
    assert.equal(again.reused, true);
    assert.equal(again.sha256, first.sha256);
    assert.equal(statSync(out).mtimeMs, mtime);

    const otherSeed = await ensureSmokeModel({ out, seed: 10 });
    assert.equal(otherSeed.reused, false);
    truncateSync(out, 1000);
    const repaired = await ensureSmokeModel({ out, seed: 10 });
    assert.equal(repaired.reused, false);
    assert.equal(repaired.sha256, otherSeed.sha256);
  });

  it('checks custom shapes and lists every problem', () => {
    assert.deepEqual(resolveSmokeShape({ ...SMOKE_PRESETS.tiny, blockCount: 1 }).blockCount, 1);
    assert.throws(
      () =>
        resolveSmokeShape({
          ...SMOKE_PRESETS.tiny,
          embeddingLength: 320,
          feedForwardLength: 500,
          headCount: 7,
        }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(
          error.problems.map((p) => p.path),
          ['embeddingLength', 'feedForwardLength', 'headCount', 'headCountKv'],
        );
        return true;
      },
    );
    assert.throws(() => resolveSmokeShape('huge' as 'tiny'), /unknown preset huge/);
  });
});
