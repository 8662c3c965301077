import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, it, type TestContext } from 'vitest';
import { parse, stringify } from 'yaml';
import { readGgufFile } from '../../src/models/gguf/gguf-reader.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { diskFile, HubApiDouble } from '../store/hub-api-double.js';
import { runClaude } from '../support/claude-cli.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';
import { type GpuHost, prepareGpuHost } from '../support/simulated-gpu-host.js';

interface PlannedModel {
  source: { kind: string; repo?: string };
  file?: string;
}

/**
 * Journey 1 of the GPU owner (issue 13): `ops setup --yes` on a box with one RTX 4090 and its driver — the
 * simulated GPU host (test/gpu-sim/README.md), or the same steps unchanged on real GPUs — with a stand-in for the
 * Hugging Face hub serving the repository the planner picks. The planned model's weights stand in as the smoke
 * model's bytes under the planned file name (no real weights here); everything else is real.
 */
describe('journey 1: ops setup --yes on one RTX 4090, the planned model from the hub', {
  timeout: 900_000,
}, () => {
  let kit: DockerTestKit;
  let host: GpuHost | string;
  let env: NodeJS.ProcessEnv;
  let gatewayPort: number;
  const hub = new HubApiDouble();
  const served = new Map<string, string>();
  const deployment = testDeploymentName();

  beforeAll(async () => {
    kit = await dockerTestKit();
    host = await prepareGpuHost('rtx-4090-550', 1);
    if (typeof host === 'string') return;
    env = { ...host.env, OPS_HOME: join(kit.dir, 'home'), HF_ENDPOINT: await hub.start() };
    // What the planner will pick here, so the hub stand-in serves exactly that repository and file.
    const planned = await runCli(['plan', '--json'], env);
    assert.equal(planned.code, 0, planned.stderr);
    const models = (JSON.parse(planned.stdout) as { models: PlannedModel[] }).models;
    for (const [i, m] of models.entries()) {
      if (m.source.kind !== 'hf' || !m.source.repo || !m.file) continue;
      const bytes = join(kit.dir, `weights-${i}.gguf`);
      await writeSmokeModel({ out: bytes, size: 'tiny', seed: 11 + i });
      const sha256 = createHash('sha256').update(readFileSync(bytes)).digest('hex');
      hub.addRepo(m.source.repo, 'c0ffee'.padEnd(40, '0'), [await diskFile(m.file, bytes, sha256)]);
      served.set(`${m.source.repo}/${m.file}`, sha256);
    }
    gatewayPort = await freePort();
  });
  afterAll(async () => {
    if (typeof host !== 'string') {
      await runCli(['down', '--deployment', deployment], env);
      host.cleanup();
    }
    await hub.close();
    await kit.cleanup(deployment);
  });
  const ready = (t: TestContext): boolean => {
    if (typeof host === 'string') t.skip(host);
    return typeof host !== 'string';
  };

  it('pulls and verifies the planned model, starts it with the GPU requested, and smoke-tests it', async (t) => {
    if (!ready(t)) return;
    assert.ok(served.size > 0, 'the planner picked a hub model for a 4090');
    const args = ['setup', '--yes', '--deployment', deployment, '--gateway-port', String(gatewayPort)];
    const r = await runCli([...args, '--port-base', String(await freePort())], env, 500_000);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /host: nvidia-driver \(satisfied\)/);
    assert.match(r.stderr, /host: container-toolkit \(satisfied\)/);
    assert.match(r.stdout, /profile consumer/);
    assert.match(r.stdout, /smoke test: claude-sonnet-4-5 → .*: \d+ tokens/);
    assert.match(r.stdout, new RegExp(`export ANTHROPIC_BASE_URL=http://127\\.0\\.0\\.1:${gatewayPort}`));
    // Setup's short bench is in the ledger: ops plan now shows the planned model's measured speed on this host.
    assert.match(r.stdout, /benchmark: \S+ [\d.]+ tokens\/s decode/);
    const replanned = await runCli(['plan', '--json'], env);
    assert.equal(replanned.code, 0, replanned.stderr);
    const speed = (
      JSON.parse(replanned.stdout) as { models: { speed: { decodeTokensPerS: { label: string } } }[] }
    ).models[0]!.speed;
    assert.match(speed.decodeTokensPerS.label, /^measured \(\d{4}-\d{2}-\d{2}\)$/);

    // Pulled from the hub stand-in and verified against the sha256 it published.
    const [name, sha256] = [...served][0] as [string, string];
    const file = name.split('/').at(-1) as string;
    assert.ok(hub.stats.requests.some((q) => q.includes(`/resolve/`) && q.includes(file)));
    const listed = await runCli(['models', 'list', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(sha256));

    // The engine runs with the GPU requested from the NVIDIA device driver.
    const engines = await kit.docker.listContainers({
      filters: { label: [`ops.deployment=${deployment}`, 'ops.role=engine'] },
    });
    assert.equal(engines.length, 1);
    const inspected = await kit.docker.getContainer(engines[0]!.Id).inspect();
    assert.deepEqual(
      inspected.HostConfig.DeviceRequests?.map((d) => [d.DeviceIDs, d.Capabilities]),
      [[['0'], [['gpu']]]],
    );
  });

  it('ops status and ops doctor are green on the GPU Plan', async (t) => {
    if (!ready(t)) return;
    const status = await runCli(['status', '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { engines: { state: string }[]; gateway: { state: string } };
    assert.deepEqual(
      s.engines.map((e) => e.state),
      ['healthy'],
    );
    assert.equal(s.gateway.state, 'healthy');

    const doctor = await runCli(['doctor', '--json'], env);
    const report = JSON.parse(doctor.stdout) as {
      ok: boolean;
      checks: { id: string; status: string; detail: string }[];
    };
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    for (const id of [
      'nvidia-driver',
      'kernel-module',
      'container-toolkit',
      'docker-nvidia-runtime',
      'gpu-in-containers',
      'engines',
      'gateway',
    ])
      assert.equal(byId[id]?.status, 'ok', `${id}: ${JSON.stringify(byId[id])}`);
    assert.match(byId['gpu-in-containers']?.detail ?? '', /GPU 0: NVIDIA/);
    assert.equal(report.ok, true, doctor.stdout);
    assert.equal(doctor.code, 0);
  });

  it('the Anthropic SDK gets answers through the gateway, including one tool round trip', async (t) => {
    if (!ready(t)) return;
    const client = new Anthropic({
      baseURL: `http://127.0.0.1:${gatewayPort}`,
      apiKey: 'local',
      maxRetries: 0,
    });
    const answer = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.ok(answer.usage.output_tokens > 0);

    // One tool round trip as the client sends it: the assistant's tool_use and the tool_result go to the engine
    // with the tools (llama.cpp renders them with the model's template, --jinja) and the model answers. Whether to
    // call a tool is a model's judgement that random weights cannot make (llama.cpp's forced tool choice also
    // fails to build a sampler for the smoke model's byte vocabulary), so the call itself comes from the client.
    const tools: Anthropic.Tool[] = [
      {
        name: 'read_file',
        description: 'Read a file',
        input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
    ];
    const question: Anthropic.MessageParam = { role: 'user', content: 'read README.md' };
    const before = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 8,
      tools,
      messages: [question],
    });
    const roundTrip = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 8,
      tools,
      messages: [
        question,
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_01', name: 'read_file', input: { path: 'README.md' } }],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '# ops, a private coding box' }],
        },
      ],
    });
    assert.equal(roundTrip.type, 'message');
    assert.ok(roundTrip.usage.output_tokens > 0);
    // Prompt tokens, cached prefix included (the engine reuses the first request's prefix).
    const prompt = (u: Anthropic.Usage) =>
      u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
    assert.ok(
      prompt(roundTrip.usage) > prompt(before.usage) + 20,
      `the call and its result reached the model (${prompt(before.usage)} → ${prompt(roundTrip.usage)} tokens)`,
    );
  });

  it('the real Claude Code CLI gets an answer through the gateway', async (t) => {
    if (!ready(t)) return;
    // Random weights never choose to end a turn, and Claude Code treats a reply cut at its output cap as an error:
    // llama-server's own --logit-bias on the end-of-turn token stands in for a model that finishes its answers
    // (as in test/gateway/claude-code-llama.docker.test.ts). A Plan edit and `ops up`, as an operator would.
    const weights = join(kit.dir, 'weights-0.gguf');
    const eot = Number((await readGgufFile(weights)).metadata['tokenizer.ggml.eot_token_id']?.value);
    const planFile = join(env.OPS_HOME as string, 'plan.yaml');
    const plan = parse(readFileSync(planFile, 'utf8'));
    plan.engines[0].args = [...(plan.engines[0].args ?? []), '--logit-bias', `${eot}+35`];
    writeFileSync(planFile, stringify(plan));
    const up = await runCli(['up'], env, 180_000);
    assert.equal(up.code, 0, up.stderr);

    const dir = join(kit.dir, 'claude');
    mkdirSync(dir);
    // The smoke model's byte vocabulary makes Claude Code's full prompt ~96k tokens, too slow to prefill on 2 CPU
    // cores: a short system prompt and no tools keep the same protocol path small.
    const { code, stdout, stderr } = await runClaude(
      ['-p', 'say hello', '--tools', '', '--system-prompt', 'Answer briefly.'],
      {
        cwd: dir,
        home: dir,
        baseUrl: `http://127.0.0.1:${gatewayPort}`,
        env: {
          ANTHROPIC_AUTH_TOKEN: 'local',
          ANTHROPIC_MODEL: 'quality',
          ANTHROPIC_SMALL_FAST_MODEL: 'fast',
          CLAUDE_CODE_MAX_OUTPUT_TOKENS: '256',
        },
        timeoutMs: 150_000,
      },
    );
    assert.equal(code, 0, `claude exited ${code}\nstdout: ${stdout}\nstderr: ${stderr}`);
    // The gateway's own usage records: Claude Code's requests for its model were answered.
    const spool = join(env.OPS_HOME as string, 'spool', deployment);
    const records = readdirSync(spool)
      .filter((f) => f.startsWith('usage-'))
      .flatMap((f) => readFileSync(join(spool, f), 'utf8').trim().split('\n'))
      .map((l) => JSON.parse(l) as { model: string; status: number; api: string });
    assert.ok(
      records.some((r) => r.model === 'quality' && r.api === 'anthropic' && r.status === 200),
      `Claude Code's requests in the gateway's records: ${JSON.stringify(records.map((r) => [r.model, r.status]))}`,
    );
  });
});
