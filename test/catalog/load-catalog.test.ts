import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { loadCatalog, parseCatalog } from '../../src/catalog/load-catalog.js';
import { ValidationError } from '../../src/core/errors.js';
import { kvBytesPerTokenF16, kvCacheBytes } from '../../src/planner/kv-cache.js';

const gpuFile = {
  file: 'gpus.yaml',
  text: 'gpus:\n  - { match: ["RTX 3090"], name: RTX 3090, bandwidthGBs: 936 }\n',
};

describe('the shipped catalog', () => {
  const catalog = loadCatalog();
  const byId = new Map(catalog.models.map((m) => [m.id, m]));

  it('has the models the planner starts with, each with variants for llama.cpp', () => {
    for (const id of [
      'qwen2.5-coder-32b',
      'qwen2.5-coder-7b',
      'qwen2.5-7b',
      'qwen3-coder-30b-a3b',
      'deepseek-coder-v2-lite',
      'codellama-70b',
      'llama-3.1-70b',
      'mistral-large-2407',
      'qwen2.5-coder-1.5b',
      'ops-smoke-tiny',
    ]) {
      const m = byId.get(id);
      assert.ok(m, id);
      assert.ok(
        m.variants.some((v) => v.engine === 'llama.cpp'),
        id,
      );
    }
    assert.ok(
      (byId.get('qwen2.5-coder-1.5b')?.shape.params ?? Infinity) <= 3e9,
      'a small CPU-friendly coder',
    );
  });

  // DESIGN.md §4, "Model shapes": f16 KV per token.
  const kvTable: [string, number][] = [
    ['qwen2.5-coder-32b', 256],
    ['qwen2.5-coder-7b', 56],
    ['qwen2.5-7b', 56],
    ['qwen3-coder-30b-a3b', 96],
    ['codellama-70b', 320],
    ['llama-3.1-70b', 320],
    ['mistral-large-2407', 352],
  ];
  for (const [id, kib] of kvTable) {
    it(`${id}: ${kib} KiB of f16 KV per token`, () => {
      const m = byId.get(id);
      assert.ok(m);
      assert.equal(kvBytesPerTokenF16(m.shape), kib * 1024);
    });
  }

  it('marks estimated sizes as such and computes the smoke model exactly', () => {
    const q4 = byId.get('qwen2.5-coder-32b')?.variants.find((v) => v.quant === 'Q4_K_M');
    assert.equal(q4?.sizeSource, 'bits-per-weight');
    assert.equal(q4?.weightsBytes, Math.round((32.76e9 * 4.9) / 8));
    for (const v of byId.get('ops-smoke-tiny')?.variants ?? []) assert.equal(v.sizeSource, 'tensor-exact');
    assert.ok(
      catalog.models.every((m) =>
        m.variants.every((v) => !('sha256' in v) || /^[0-9a-f]{64}$/.test(String(v.sha256))),
      ),
    );
  });

  it('has a GPU bandwidth table', () => {
    assert.ok(catalog.gpus.length > 10);
  });
});

describe('parseCatalog', () => {
  it('reports every problem with its file and field path', () => {
    const bad = {
      file: 'models/bad.yaml',
      text: [
        'family: x',
        'models:',
        '  - id: m1',
        '    name: M',
        '    license: mit',
        '    roles: [quality-coder]',
        '    quality: 50',
        '    shape: { architecture: llama, layers: 2, hiddenSize: 64, heads: 6, kvHeads: 4, headDim: 16, ffnSize: 128, vocabSize: 100, trainedContext: 4096, params: 1000 }',
        '    variants:',
        '      - { engine: llama.cpp, quant: Q9_Z, source: { kind: builtin }, file: a.gguf }',
        '      - { engine: llama.cpp, quant: Q8_0, source: { kind: builtin }, file: a.bin, sha256: nothex }',
      ].join('\n'),
    };
    const err = (() => {
      try {
        parseCatalog([bad], gpuFile);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof ValidationError);
    const paths = err.problems.map((p) => p.path);
    assert.ok(paths.includes('models/bad.yaml: models[0].variants[0].quant'), paths.join('\n'));
    assert.ok(paths.includes('models/bad.yaml: models[0].variants[1].sha256'), paths.join('\n'));
  });

  it('applies cross-field rules: heads divisible by KV heads, unique ids, .gguf files', () => {
    const model = (id: string, file: string) =>
      `  - { id: ${id}, name: M, license: mit, roles: [fast-coder], quality: 1, shape: { architecture: llama, layers: 2, hiddenSize: 64, heads: 6, kvHeads: 4, headDim: 16, ffnSize: 128, vocabSize: 100, trainedContext: 4096, params: 1000 }, variants: [{ engine: llama.cpp, quant: Q8_0, source: { kind: builtin }, file: ${file} }] }`;
    const a = { file: 'models/a.yaml', text: `family: a\nmodels:\n${model('m1', 'x.gguf')}\n` };
    const b = { file: 'models/b.yaml', text: `family: b\nmodels:\n${model('m1', 'x.bin')}\n` };
    assert.throws(
      () => parseCatalog([a, b], gpuFile),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        const text = e.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
        assert.match(
          text,
          /models\/a\.yaml: models\[0\]\.shape\.kvHeads: 6 heads are not a multiple of 4 KV heads/,
        );
        assert.match(text, /models\/b\.yaml: models\[0\]\.id: "m1" is already defined in models\/a\.yaml/);
        assert.match(
          text,
          /models\/b\.yaml: models\[0\]\.variants\[0\]\.file: llama\.cpp needs a \.gguf file/,
        );
        return true;
      },
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    assert.throws(
      () => parseCatalog([{ file: 'models/x.yaml', text: 'family: [unclosed\n' }], gpuFile),
      (e: unknown) =>
        e instanceof ValidationError && e.problems[0]?.path.startsWith('models/x.yaml: line') === true,
    );
  });
});

describe('the current open coders (checked against each config.json, cited in the YAML)', () => {
  const catalog = loadCatalog();
  const byId = new Map(catalog.models.map((m) => [m.id, m]));
  // f16 KV bytes per token: 2 × cached layers × KV heads × head_dim × 2 B, or MLA's latent.
  const table: [string, number, string][] = [
    // 62 × 8 × 128 × 2 × 2 = 253,952
    ['qwen3-coder-480b-a35b', 253_952, 'gqa'],
    // hybrid: only 12 of 48 layers keep a cache: 12 × 2 × 256 × 2 × 2 = 24,576
    ['qwen3-coder-next', 24_576, 'hybrid-linear'],
    // 10 of 40 layers: 10 × 2 × 256 × 2 × 2 = 20,480
    ['qwen3.5-35b-a3b', 20_480, 'hybrid-linear'],
    // 92 × 8 × 128 × 2 × 2 = 376,832
    ['glm-4.6', 376_832, 'gqa'],
    // MLA under llama.cpp: 61 × (512 + 64 + 512) × 2 = 132,736
    ['deepseek-v3.2', 132_736, 'mla-sparse'],
    // 18 full + 18 sliding layers; per token beyond the window only the full ones grow: 18 × 8 × 64 × 2 × 2 = 36,864
    ['gpt-oss-120b', 36_864, 'gqa-swa'],
    // 40 × 8 × 128 × 2 × 2 = 163,840
    ['devstral-small-2', 163_840, undefined as unknown as string],
  ];
  for (const [id, bytes, attention] of table) {
    it(`${id}: ${bytes} B of f16 KV per token (long-context rate), attention ${attention ?? 'gqa'}`, () => {
      const m = byId.get(id);
      assert.ok(m, id);
      assert.equal(m.legacy ?? false, false);
      assert.equal(m.shape.attention ?? 'gqa', attention ?? 'gqa');
      // Per-token growth measured between 1000 and 2000 tokens, past every sliding window.
      const at = (tokens: number) =>
        kvCacheBytes(m.shape, {
          tokensPerSeq: tokens,
          seqs: 1,
          typeK: 'f16',
          typeV: 'f16',
          engine: 'llama.cpp',
        });
      assert.equal((at(2000) - at(1000)) / 1000, bytes);
      assert.ok(m.toolCallParser && m.toolCallFormat, 'tool-call format and parser named');
      assert.ok((m.benchmarks ?? []).length > 0, 'published quality figures');
      for (const b of m.benchmarks ?? []) assert.match(b.source, /^https:\/\//);
    });
  }

  it('ranks by SWE-bench Verified and marks the 2024–2025 models legacy, each below every current one', () => {
    const current = catalog.models.filter((m) => !m.legacy && !m.id.startsWith('ops-smoke'));
    const legacy = catalog.models.filter((m) => m.legacy);
    assert.ok(
      legacy.some((m) => m.id === 'qwen2.5-coder-32b') && legacy.some((m) => m.id === 'llama-3.1-70b'),
    );
    const worstCurrent = Math.min(...current.filter((m) => m.qualityBasis).map((m) => m.quality));
    for (const m of legacy) assert.ok(m.quality < worstCurrent, `${m.id} ${m.quality}`);
    for (const m of current.filter((x) => x.qualityBasis))
      assert.ok(
        (m.benchmarks ?? []).some((b) => b.by === m.qualityBasis && b.score === m.quality),
        m.id,
      );
  });

  it('sizes MXFP4 and block-FP8 checkpoints from their block formats', () => {
    // MXFP4: 17 bytes per 32 weights = 4.25 bits; 116.8e9 × 4.25 / 8 = 62.05e9 B.
    const oss = byId.get('gpt-oss-120b')?.variants.find((v) => v.quant === 'MXFP4' && v.engine === 'vllm');
    assert.equal(oss?.weightsBytes, Math.round((116.8e9 * 4.25) / 8));
    // Block FP8: 8 bits + one 32-bit scale per 128 × 128 weights = 8.002 bits; 480e9 × 8.002 / 8.
    const q480 = byId.get('qwen3-coder-480b-a35b')?.variants.find((v) => v.quant === 'FP8-block');
    assert.equal(q480?.weightsBytes, Math.round((480e9 * 8.002) / 8));
  });

  it('refuses a quality said to be a benchmark figure that is not listed', () => {
    const text = readFileSync(new URL('../../catalog/models/devstral.yaml', import.meta.url), 'utf8').replace(
      'quality: 59.1',
      'quality: 61',
    );
    assert.throws(
      () => parseCatalog([{ file: 'models/devstral.yaml', text }], gpuFile),
      /quality 61 is said to be the independent figure/,
    );
  });
});
