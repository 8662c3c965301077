import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  fetchCommandFor,
  formatModelLocation,
  type LocateContext,
  locateModel,
  parseModelLocation,
  plannedModelLocation,
} from '../../src/store/model-location.js';
import type { ManifestEntry } from '../../src/store/types.js';

const sha = (c: string) => c.repeat(64);
const entry = (over: Partial<ManifestEntry>): ManifestEntry => ({
  id: 'unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF',
  variant: 'Q5_K_M',
  revision: 'c1',
  file: 'Qwen3-Coder-30B-A3B-Instruct-Q5_K_M.gguf',
  sha256: sha('a'),
  bytes: 1,
  source: { kind: 'hub', endpoint: 'http://hub', repo: 'unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF' },
  addedAt: '2026-12-01T00:00:00Z',
  holders: [],
  ...over,
});
const ctx = (manifest: ManifestEntry[], present: string[] = []): LocateContext => ({
  planDir: '/plans',
  modelsDir: '/home/u/.ops/models',
  manifest,
  blobPath: (s) => `/home/u/.ops/models/blobs/sha256/${s}`,
  exists: (p) => present.includes(p) || manifest.some((e) => p.endsWith(e.sha256)),
});

describe('model location: how a Plan names a model', () => {
  it('round-trips every form', () => {
    for (const text of [
      'hf:unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF:Qwen3-Coder-30B-A3B-Instruct-Q5_K_M.gguf',
      'hf:Qwen/Qwen2.5-Coder-7B-Instruct-GGUF#Q4_K_M',
      'builtin:ops-smoke-tiny',
      'builtin:ops-smoke-bench#Q4_K_M',
      '/srv/models/x.gguf',
      'models/relative.gguf',
    ])
      assert.equal(formatModelLocation(parseModelLocation(text)), text);
  });

  it('refuses malformed references with the field path', () => {
    for (const bad of ['hf:noslash:x.gguf', 'hf:a/b', 'hf:a/b:../x.gguf', 'builtin:llama-70b'])
      assert.throws(
        () => parseModelLocation(bad, 'engines[0].model'),
        (e: Error & { problems?: { path: string }[] }) => e.problems?.[0]?.path === 'engines[0].model',
      );
  });

  it('names a planned hub model by repo and file, and the pull command is exactly what the store takes', () => {
    const location = plannedModelLocation({
      modelId: 'qwen3-coder-30b-a3b',
      quant: 'Q5_K_M',
      source: { kind: 'hf', repo: 'unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF' },
      file: 'Qwen3-Coder-30B-A3B-Instruct-Q5_K_M.gguf',
    });
    assert.equal(
      fetchCommandFor(location),
      'ops models pull unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF:Qwen3-Coder-30B-A3B-Instruct-Q5_K_M.gguf',
    );
  });

  it('resolves a pulled hub file to a view of its verified blob, the newest revision winning', () => {
    const location = parseModelLocation(
      'hf:unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF:Qwen3-Coder-30B-A3B-Instruct-Q5_K_M.gguf',
    );
    const older = entry({ sha256: sha('b'), revision: 'c0', addedAt: '2026-11-01T00:00:00Z' });
    const found = locateModel(location, ctx([older, entry({})]));
    assert.ok(found.found);
    const dir = '/home/u/.ops/models/views/unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF/c1/Q5_K_M';
    assert.equal(found.path, `${dir}/Qwen3-Coder-30B-A3B-Instruct-Q5_K_M.gguf`);
    assert.deepEqual(found.view, {
      dir,
      files: [
        {
          path: 'Qwen3-Coder-30B-A3B-Instruct-Q5_K_M.gguf',
          blob: `/home/u/.ops/models/blobs/sha256/${sha('a')}`,
        },
      ],
    });
  });

  it('a split GGUF loads from its first shard with every shard beside it; by quant when the Plan names no file', () => {
    const shards = ['00002', '00001', '00003'].map((n, i) =>
      entry({ file: `big-Q4_K_M-${n}-of-00003.gguf`, sha256: sha(String(i + 1)), variant: 'Q4_K_M' }),
    );
    const found = locateModel(
      parseModelLocation('hf:unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF#Q4_K_M'),
      ctx(shards),
    );
    assert.ok(found.found);
    assert.ok(found.path.endsWith('/Q4_K_M/big-Q4_K_M-00001-of-00003.gguf'));
    assert.deepEqual(
      found.view?.files.map((f) => f.path),
      ['00001', '00002', '00003'].map((n) => `big-Q4_K_M-${n}-of-00003.gguf`),
    );
  });

  it('a checkpoint without GGUF files (vLLM) resolves to the view directory itself', () => {
    const files = ['config.json', 'model-00001-of-00002.safetensors', 'tokenizer.json'].map((f, i) =>
      entry({
        id: 'Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8',
        file: f,
        variant: 'default',
        sha256: sha(String(i)),
      }),
    );
    const found = locateModel(
      parseModelLocation('hf:Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8#default'),
      ctx(files),
    );
    assert.ok(found.found);
    assert.equal(found.path, '/home/u/.ops/models/views/Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8/c1/default');
    assert.equal(found.view?.files.length, 3);
  });

  it('a hub file not in the store is missing, with the pull command; a missing path has none', () => {
    const missing = locateModel(parseModelLocation('hf:org/repo:m.gguf'), ctx([]));
    assert.deepEqual(missing, {
      found: false,
      reason: 'hf:org/repo:m.gguf is not in the model store',
      command: 'ops models pull org/repo:m.gguf',
      creatable: true,
    });
    const path = locateModel(parseModelLocation('x.gguf'), ctx([]));
    assert.deepEqual(path, { found: false, reason: 'model file not found: /plans/x.gguf', creatable: false });
  });

  it('built-in smoke models resolve to the written file or the quantized blob, else can be created', () => {
    const base = '/home/u/.ops/models/smoke-tiny.gguf';
    assert.deepEqual(locateModel(parseModelLocation('builtin:ops-smoke-tiny'), ctx([], [base])), {
      found: true,
      path: base,
    });
    const q = entry({ id: 'ops-smoke-tiny', variant: 'Q4_K_M', sha256: sha('c') });
    const quantized = locateModel(parseModelLocation('builtin:ops-smoke-tiny#Q4_K_M'), ctx([q]));
    assert.ok(quantized.found && quantized.path.endsWith(sha('c')));
    const absent = locateModel(parseModelLocation('builtin:ops-smoke-bench'), ctx([]));
    assert.equal(absent.found, false);
    assert.equal(!absent.found && absent.creatable, true);
  });
});
