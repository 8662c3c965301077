import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { LABEL } from '../../src/core/labels.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';

describe('ops up / status / logs / down through the CLI', { timeout: 300_000 }, () => {
  let kit: DockerTestKit;
  let env: NodeJS.ProcessEnv;
  let model: string;
  const deployment = testDeploymentName();
  let blocker: Server;
  let blockedPort: number;

  beforeAll(async () => {
    kit = await dockerTestKit();
    env = { OPS_HOME: join(kit.dir, 'home') };
    model = join(kit.dir, 'smoke.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 2 });
    blockedPort = await freePort();
    blocker = createServer().listen(blockedPort, '127.0.0.1');
  });
  afterAll(async () => {
    blocker.close();
    await kit.cleanup(deployment);
  });

  const writePlan = (name: string, body: string) => {
    const file = join(kit.dir, name);
    writeFileSync(file, body);
    return file;
  };

  it('a bad Plan fails before any container is touched, listing every problem with its field', async () => {
    const file = writePlan(
      'bad.yaml',
      `version: 1
deployment: ${deployment}
engines:
  - { engine: tgi-next, name: a }
  - { engine: llama.cpp, name: b, model: ./nope.gguf, contextLength: 2048, port: ${blockedPort} }
  - { engine: llama.cpp, name: c, model: ${model}, contextLength: 2048, port: ${await freePort()}, gpus: [0] }
`,
    );
    const result = await runCli(['up', '--plan', file], env);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /is invalid \(4 problems\)/);
    assert.match(result.stderr, /engines\[0\]\.engine: unknown engine "tgi-next"/);
    assert.match(result.stderr, /engines\[1\]\.port: port \d+ is already in use on this machine/);
    assert.match(result.stderr, /engines\[1\]\.model: model file not found: .*nope\.gguf/);
    assert.match(result.stderr, /engines\[2\]\.gpus: GPU 0 requested but this machine has no NVIDIA GPU/);
    assert.match(result.stderr, /hint: nothing was started or changed/);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace for a user error');
    assert.deepEqual(await kit.runtime.list({ [LABEL.deployment]: deployment }), []);
  });

  it('broken YAML is reported with its line', async () => {
    const file = writePlan('syntax.yaml', 'version: 1\nengines:\n  - name: [unclosed\n');
    const result = await runCli(['up', '--plan', file], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /syntax\.yaml is invalid/);
    assert.match(result.stderr, /line \d+:\d+/);
  });

  it('says clearly when there is no Docker daemon, and how to start one', async () => {
    const result = await runCli(['status'], { ...env, DOCKER_HOST: `unix://${join(kit.dir, 'no.sock')}` });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /no Docker daemon answered; tried:/);
    assert.match(result.stderr, /DOCKER_HOST=unix:.*no\.sock: no such socket/);
    assert.match(result.stderr, /hint: start the daemon/);
  });

  it('up, status --json, logs and down work end to end, and a second up changes nothing', async () => {
    const port = await freePort();
    const gatewayPort = await freePort();
    const file = writePlan(
      'good.yaml',
      `version: 1
deployment: ${deployment}
engines:
  - name: coder
    engine: llama.cpp
    image: ${TEST_ENGINE_IMAGE}
    model: ./smoke.gguf
    contextLength: 2048
    port: ${port}
    aliases: [quality, fast]
gateway:
  port: ${gatewayPort}
`,
    );
    const up = await runCli(['up', '--plan', file, '--json'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(JSON.parse(up.stdout).created, ['coder', 'gateway']);

    const status = await runCli(['status', '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout);
    assert.equal(parsed.deployment, deployment, 'status uses the current Plan saved by up');
    assert.deepEqual(
      parsed.engines.map((e: Record<string, string>) => [e.name, e.engine, e.state, e.url]),
      [['coder', 'llama.cpp', 'healthy', `http://127.0.0.1:${port}`]],
    );
    assert.deepEqual(parsed.gateway, {
      url: `http://127.0.0.1:${gatewayPort}`,
      state: 'healthy',
      container: `ops-${deployment}-gateway`,
    });

    // The real Anthropic SDK, the way Claude Code talks to it, through the gateway container to the engine.
    const client = new Anthropic({ baseURL: parsed.gateway.url, apiKey: 'local', maxRetries: 0 });
    const message = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(message.type, 'message');
    assert.equal(message.usage.output_tokens, 8);
    assert.equal(message.stop_reason, 'max_tokens');
    // Its usage reached the spool the ledger imports (one JSON line, no prompt text).
    const spool = join(env.OPS_HOME!, 'spool', deployment);
    let lines: string[] = [];
    for (let i = 0; i < 50 && lines.length === 0; i++) {
      lines = readdirSync(spool).flatMap((f) =>
        readFileSync(join(spool, f), 'utf8').split('\n').filter(Boolean),
      );
      if (lines.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    const record = JSON.parse(lines[0]!);
    assert.equal(record.model, 'claude-sonnet-4-5');
    assert.equal(record.upstream, 'coder');
    assert.equal(record.outputTokens, 8);
    assert.doesNotMatch(lines.join(''), /hello/);
    // And from there into the ledger and this month's report (no agent runs here: the report imports the spool).
    const report = await runCli(['report', '--format', 'json'], env);
    assert.equal(report.code, 0, report.stderr);
    const tokens = JSON.parse(report.stdout).tokens;
    assert.deepEqual(
      tokens.byModel.map((t: Record<string, unknown>) => [t.model, t.route, t.requests, t.outputTokens]),
      [['claude-sonnet-4-5', 'local', 1, 8]],
    );
    assert.equal(tokens.localSharePercent, 100);
    assert.ok(tokens.cloudEquivalentUsd > 0, 'local tokens are valued at cloud prices');

    const again = await runCli(['up', '--json'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).reused, ['coder', 'gateway']);

    const logs = await runCli(['logs', 'coder', '--tail', '50'], env);
    assert.equal(logs.code, 0);
    assert.match(logs.stdout, /server is listening|HTTP server listening|listening on/i);

    const unknown = await runCli(['logs', 'nobody'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no engine named nobody.*\nhint: engines: coder/);

    const down = await runCli(['down', '--json'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(JSON.parse(down.stdout).removed.sort(), [
      `ops-${deployment}-coder`,
      `ops-${deployment}-gateway`,
    ]);
    assert.deepEqual(await kit.runtime.list({ [LABEL.deployment]: deployment }), []);
  });
});
