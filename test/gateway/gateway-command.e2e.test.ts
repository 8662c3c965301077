import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type ScriptedUpstream, startScriptedUpstream } from './scripted-openai-upstream.js';

const OPS = resolve('bin/ops.js');

/** `ops gateway` through the CLI, in front of a scripted upstream named in a Plan. */
describe('ops gateway', () => {
  let dir: string;
  let upstream: ScriptedUpstream;
  let planFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ops-gateway-cli-'));
    upstream = await startScriptedUpstream([{ text: 'from the plan' }]);
    const port = new URL(upstream.url).port;
    planFile = join(dir, 'plan.yaml');
    writeFileSync(
      planFile,
      [
        'version: 1',
        'engines:',
        '  - engine: llama.cpp',
        '    name: coder',
        '    model: coder.gguf',
        `    port: ${port}`,
        '    contextLength: 8192',
        '    parallel: 2',
        'gateway:',
        '  aliases:',
        '    quality: coder',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawn(process.execPath, [OPS, 'gateway', '--plan', planFile, ...args], {
      env: { ...process.env, OPS_HOME: join(dir, 'home'), OPS_GATEWAY_API_KEYS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it("serves the Plan's models until SIGTERM", { timeout: 30_000 }, async () => {
    const child = run(['--port', '0']);
    try {
      const url = await waitForUrl(child);
      // JSON only: without keys the gateway refuses other content types (a web page's text/plain POST).
      const res = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'claude-sonnet-x',
          max_tokens: 20,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      const body = (await res.json()) as { content: { text: string }[] };
      assert.equal(body.content[0]!.text, 'from the plan');
      assert.equal(upstream.requests.at(-1)!.body.model, 'coder');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exitCode(child), 0);
  });

  it('refuses a non-loopback bind without API keys, with a hint', { timeout: 30_000 }, async () => {
    const child = run(['--port', '0', '--host', '0.0.0.0']);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    assert.equal(await exitCode(child), 2);
    assert.match(stderr, /without API keys/);
    assert.match(stderr, /OPS_GATEWAY_API_KEYS/);
  });
});

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/ANTHROPIC_BASE_URL=(http:\/\/\S+)/);
      if (m) resolveUrl(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`ops gateway exited ${code}: ${out}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.on('exit', (code) => r(code)));
}
