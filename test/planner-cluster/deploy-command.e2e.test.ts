import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { runCli } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const planFile = join(dir, 'plan.yaml');
writeFileSync(
  planFile,
  [
    'version: 1',
    'deployment: acme',
    'engines:',
    '  - { engine: vllm, name: coder-70b, model: /srv/models/llama-70b, gpus: [0,1,2,3,4,5,6,7], tensorParallel: 8, contextLength: 32768, port: 8000 }',
    '  - { engine: llama.cpp, name: small, model: /srv/models/small.gguf, contextLength: 8192, port: 8001 }',
    'gateway: { aliases: { quality: coder-70b } }',
    '',
  ].join('\n'),
);
// A PATH with node only, and a HOME with no ~/.pulumi: the Pulumi CLI cannot be found.
const env = { OPS_HOME: join(dir, 'home'), HOME: dir, PATH: dirname(process.execPath) };

function dirname(p: string): string {
  return p.slice(0, p.lastIndexOf('/'));
}

describe('ops deploy without the Pulumi CLI', () => {
  test('fails with a plain hint on how to install it', async () => {
    const result = await runCli(['deploy', '--target', 'cluster', '--plan', planFile], env);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /the Pulumi CLI is not installed/);
    assert.match(result.stderr, /hint: install the Pulumi CLI: .*get\.pulumi\.com/);
    assert.match(result.stderr, /ops up --plan FILE/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/); // no stack trace for a user error
  });

  test('--preview still explains what the cluster stack would declare', async () => {
    const result = await runCli(['deploy', '--target', 'cluster', '--preview', '--plan', planFile], env);
    assert.equal(result.code, 3);
    assert.match(
      result.stdout,
      /coder-70b: vLLM Deployment, 8 GPU\(s\) \(TP=8 PP=1\), --max-model-len 32768/,
    );
    assert.match(result.stdout, /small: skipped/);
    assert.match(result.stderr, /get\.pulumi\.com/);
  });

  test('an unknown target is refused by the parser', async () => {
    const result = await runCli(['deploy', '--target', 'moon', '--plan', planFile], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Allowed choices are cluster, fleet/);
  });
});
