import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import type { UsageRecord } from '../../src/gateway/types.js';
import { upstreamsFromPlan } from '../../src/gateway/upstreams-from-plan.js';
import { readGgufFile } from '../../src/models/gguf/gguf-reader.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { deployUp } from '../../src/runtime/deployer.js';
import { runClaude as runClaudeCli } from '../support/claude-cli.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { testModelLocator } from '../support/model-locator.js';

/** Runs `claude -p` against the gateway with a hard bound: the test fails on a hang instead of hanging. */
async function runClaude(gatewayUrl: string, model: string, dir: string, extraArgs: string[] = []) {
  const started = Date.now();
  const run = await runClaudeCli(['-p', 'say hello', ...extraArgs], {
    cwd: dir,
    home: dir,
    baseUrl: gatewayUrl,
    env: {
      ANTHROPIC_AUTH_TOKEN: 'local',
      ANTHROPIC_MODEL: model,
      ANTHROPIC_SMALL_FAST_MODEL: model,
      CLAUDE_CODE_MAX_OUTPUT_TOKENS: '256',
    },
    timeoutMs: 150_000,
  });
  return { ...run, ms: Date.now() - started };
}

/**
 * The real Claude Code CLI, through the gateway, against the real llama.cpp container serving the smoke model:
 * with a context that holds Claude Code's ~20k-token prompt it gets an answer; with one that does not it gets
 * the context error it understands. Never a hang.
 */
describe('Claude Code against the real llama.cpp engine through the gateway', { timeout: 400_000 }, () => {
  let kit: DockerTestKit;
  let gateway: Gateway;
  let url: string;
  const usage: UsageRecord[] = [];
  const deployment = testDeploymentName();

  beforeAll(async () => {
    kit = await dockerTestKit();
    const model = join(kit.dir, 'smoke.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 5 });
    // Random weights never choose to end a turn, and Claude Code treats a reply cut at its output cap as an error.
    // A logit bias on the end-of-turn token (llama-server's own --logit-bias) stands in for a model that finishes
    // its answers: +35 ends them after ~3-30 tokens (measured by hand on this model).
    const eot = Number((await readGgufFile(model)).metadata['tokenizer.ggml.eot_token_id']?.value);
    assert.ok(Number.isInteger(eot));
    const engine = (name: string, contextLength: number, port: number, args: string[] = []) => ({
      engine: 'llama.cpp',
      name,
      image: TEST_ENGINE_IMAGE,
      model,
      contextLength,
      parallel: 1,
      port,
      healthTimeoutS: 120,
      args,
    });
    const { plan, problems } = validatePlan(
      {
        version: 1,
        deployment,
        engines: [
          engine('roomy', 16384, await freePort(), ['--logit-bias', `${eot}+35`]),
          engine('cramped', 4096, await freePort()),
        ],
      },
      { planDir: kit.dir },
    );
    assert.deepEqual(problems, []);
    await deployUp(plan!, kit.runtime, new EventBus(), { models: testModelLocator(kit.dir) });
    gateway = createGateway({ upstreams: upstreamsFromPlan(plan!), usageSink: (r) => usage.push(r) });
    url = await gateway.listen(0);
  });
  afterAll(async () => {
    await gateway?.close();
    await kit.cleanup(deployment);
  });

  it('answers when the prompt fits the context', async () => {
    const dir = join(kit.dir, 'roomy');
    mkdirSync(dir);
    // The smoke model's byte-level vocabulary makes Claude Code's full prompt ~96k tokens, which a 2-core CPU
    // prefills too slowly for a test; a short system prompt and no tools keep the same protocol path small.
    const r = await runClaude(url, 'roomy', dir, ['--tools', '', '--system-prompt', 'Answer briefly.']);
    assert.equal(
      r.code,
      0,
      `claude exited ${r.code} after ${r.ms} ms\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
    const served = usage.filter((u) => u.upstream === 'roomy' && u.status === 200);
    assert.ok(served.length > 0);
    // The model ended its turn (no cut at the cap), so Claude Code printed the answer and exited 0.
    assert.ok(served.every((u) => u.outputTokens <= 256));
  });

  it('gets the context error it understands when the prompt does not fit, and stops', async () => {
    const dir = join(kit.dir, 'cramped');
    mkdirSync(dir);
    const r = await runClaude(url, 'cramped', dir);
    assert.notEqual(r.code, null, 'it ended by itself');
    assert.match(`${r.stdout}${r.stderr}`, /prompt is too long/i);
    const refused = usage.filter((u) => u.upstream === 'cramped');
    assert.ok(refused.length > 0 && refused.every((u) => u.status === 400));
  });
});
