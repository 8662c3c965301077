import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const home = mkdtempSync(join(tmpdir(), 'ops-models-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = { OPS_HOME: home };

describe('ops models through the CLI', { timeout: 120_000 }, () => {
  it('smoke writes the tiny model into the store, then says it is up to date', async () => {
    const first = await runCli(['models', 'smoke', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const result = JSON.parse(first.stdout);
    assert.equal(result.path, join(home, 'models', 'smoke-tiny.gguf'));
    assert.equal(result.reused, false);
    assert.match(first.stderr, /wrote .*smoke-tiny\.gguf/);

    const second = await runCli(['models', 'smoke'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /up to date: .*nothing written/);
    assert.ok(second.stdout.includes(result.sha256));
  });

  it('inspect shows architecture, shape, context, file type and bytes by type', async () => {
    const model = join(home, 'models', 'smoke-tiny.gguf');
    const human = await runCli(['models', 'inspect', model], env);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /llama, file type F32/);
    assert.match(human.stdout, /2 layers, embedding 256, heads 4 \(kv 2\), head dim 64/);
    assert.match(human.stdout, /131072 tokens/);
    assert.match(human.stdout, /tensors +21, .*F32/);

    const json = JSON.parse((await runCli(['models', 'inspect', '--json', model], env)).stdout);
    assert.equal(json.tensorCount, json.tensors.length);
    assert.equal(json.metadata['llama.attention.layer_norm_rms_epsilon'], 0.00001);
    assert.equal(json.metadata['tokenizer.ggml.tokens'].length, json.shape.vocabSize);
  });

  it('a file that is not GGUF fails with a hint and no stack', async () => {
    const bogus = join(home, 'bogus.gguf');
    writeFileSync(bogus, 'definitely not a model');
    const r = await runCli(['models', 'inspect', bogus], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a GGUF file/);
    assert.match(r.stderr, /^hint: /m);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
  });

  it('models alone prints help; bad options exit 2', async () => {
    const help = await runCli(['models'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /smoke/);
    assert.match(help.stdout, /inspect/);
    const bad = await runCli(['models', 'smoke', '--size', 'huge'], env);
    assert.equal(bad.code, 2);
  });
});
