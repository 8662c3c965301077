import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { ensureStateDir, resolveStateDir, type StateDir } from '../../src/core/state-dir.js';
import { defaultGatewayTag } from '../../src/images/gateway-image.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { saveCurrentPlan } from '../../src/plan/plan-store.js';
import type { Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { deployUp, type GatewayDeployInput } from '../../src/runtime/deployer.js';
import { prepareGatewayFiles } from '../../src/runtime/gateway-container.js';
import { pullModel } from '../../src/store/pull-model.js';
import { quantizeModel } from '../../src/store/quantize-job.js';
import { storeLayout } from '../../src/store/store-layout.js';
import { upgradeDeployment } from '../../src/upgrade/upgrade-deployment.js';
import { upgradeSpoolFile } from '../../src/upgrade/upgrade-events.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { testModelLocator } from '../support/model-locator.js';

/** Clients that loop until stopped, counting every answer and every failure (a failure is any error). */
function startLoad(gatewayUrl: string) {
  const stats = { ok: 0, failed: 0, errors: [] as string[] };
  let running = true;
  const openai = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: 'local', maxRetries: 0, timeout: 60_000 });
  const anthropic = new Anthropic({ baseURL: gatewayUrl, apiKey: 'local', maxRetries: 0, timeout: 60_000 });
  const messages = [{ role: 'user' as const, content: 'say something' }];
  const calls: (() => Promise<void>)[] = [
    async () => {
      const r = await openai.chat.completions.create({ model: 'quality', max_tokens: 4, messages });
      assert.ok(r.choices[0]?.finish_reason);
    },
    async () => {
      const stream = await openai.chat.completions.create({
        model: 'coder',
        max_tokens: 4,
        messages,
        stream: true,
      });
      let finished = false;
      for await (const chunk of stream) if (chunk.choices[0]?.finish_reason) finished = true;
      assert.ok(finished, 'stream finished');
    },
    async () => {
      const m = await anthropic.messages.create({ model: 'claude-sonnet-ops-test', max_tokens: 4, messages });
      assert.equal(m.type, 'message');
    },
    async () => {
      const stream = anthropic.messages.stream({ model: 'claude-sonnet-ops-test', max_tokens: 4, messages });
      const m = await stream.finalMessage();
      assert.ok(m.stop_reason);
    },
  ];
  const loops = calls.map(async (call) => {
    while (running) {
      try {
        await call();
        stats.ok++;
      } catch (error) {
        stats.failed++;
        stats.errors.push(String(error).slice(0, 300));
      }
    }
  });
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('ops upgrade-models against the real engine and gateway, under load', { timeout: 240_000 }, () => {
  let kit: DockerTestKit;
  let state: StateDir;
  let plan: Plan;
  let gateway: GatewayDeployInput;
  let gatewayUrl: string;
  const deployment = testDeploymentName();
  const bus = new EventBus();
  const files = { f32: '', q8: '', corrupt: '' };

  beforeAll(async () => {
    kit = await dockerTestKit();
    state = ensureStateDir(resolveStateDir({ OPS_HOME: join(kit.dir, 'home') }));
    files.f32 = join(kit.dir, 'models', 'smoke-tiny.gguf');
    files.corrupt = join(kit.dir, 'models', 'smoke-tiny-corrupt.gguf');
    await writeSmokeModel({ out: files.f32, size: 'tiny', seed: 3 });
    // The one quantize runner: the store's llama-quantize job in the engine image.
    const layout = storeLayout(state);
    await pullModel(layout, { reference: files.f32, id: 'smoke-upgrade' });
    files.q8 = (
      await quantizeModel(layout, {
        selector: 'smoke-upgrade',
        to: 'Q8_0',
        image: TEST_ENGINE_IMAGE,
        runtime: kit.runtime,
      })
    ).path;
    // A header that reads, then tensors cut off: llama-server fails at load.
    writeFileSync(files.corrupt, readFileSync(files.f32).subarray(0, 64 * 1024));
    const gatewayPort = await freePort();
    const result = validatePlan(
      {
        version: 1,
        deployment,
        engines: [
          {
            engine: 'llama.cpp',
            name: 'coder',
            image: TEST_ENGINE_IMAGE,
            model: files.f32,
            contextLength: 1024,
            parallel: 2,
            port: await freePort(),
            aliases: ['quality', 'fast'],
            healthTimeoutS: 60,
            args: ['-lv', '1'],
          },
        ],
        gateway: { port: gatewayPort },
      },
      { planDir: kit.dir },
    );
    assert.deepEqual(result.problems, []);
    plan = result.plan!;
    gateway = { image: defaultGatewayTag(), paths: prepareGatewayFiles(state, plan), env: {} };
    await deployUp(plan, kit.runtime, bus, { models: testModelLocator(kit.dir), gateway });
    saveCurrentPlan(state, plan);
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  });
  afterAll(async () => {
    await kit.cleanup(deployment);
  });

  it('switches blue/green and stop-and-swap with zero failed requests, and rolls a corrupt model back', async () => {
    const load = startLoad(gatewayUrl);
    // Wait until answers flow (a loaded CI machine takes seconds for the first), then a little more.
    for (let i = 0; i < 120 && load.stats.ok === 0 && load.stats.failed === 0; i++)
      await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 1500));
    const before = load.stats.ok;
    assert.ok(before > 0, `load runs before the switch (${JSON.stringify(load.stats)})`);

    // Blue/green: both tiny models fit beside each other on this machine.
    const green = await upgradeDeployment({
      action: 'upgrade',
      current: plan,
      replacements: [{ entry: 'coder', model: files.q8, label: 'ops-smoke-tiny Q8_0' }],
      strategy: 'auto',
      runtime: kit.runtime,
      bus,
      state,
      gateway,
    });
    assert.equal(green.outcome, 'switched', green.reason);
    assert.equal(green.strategy, 'blue-green');
    const newName = green.plan.engines[0]!.name;
    assert.match(newName, /^coder-[0-9a-f]{6}$/);
    const engines = await kit.runtime.list({ 'ops.deployment': deployment, 'ops.role': 'engine' });
    assert.deepEqual(
      engines.map((c) => c.labels['ops.name']),
      [newName],
      'the old engine is gone',
    );
    const health = (await (await fetch(`${gatewayUrl}/health`)).json()) as { upstreams: { name: string }[] };
    assert.deepEqual(
      health.upstreams.map((u) => u.name),
      [newName],
    );
    const afterGreen = load.stats.ok;
    assert.ok(afterGreen > before, 'requests were answered during the blue/green switch');
    for (let i = 0; i < 120 && load.stats.ok <= afterGreen; i++) await new Promise((r) => setTimeout(r, 250));
    assert.ok(load.stats.ok > afterGreen, 'the new engine serves');

    // Stop-and-swap, forced: the gateway holds the queue while the engine is replaced in place.
    const swapped = await upgradeDeployment({
      action: 'upgrade',
      current: green.plan,
      replacements: [{ entry: newName, model: files.f32, label: 'ops-smoke-tiny F32' }],
      strategy: 'stop-and-swap',
      runtime: kit.runtime,
      bus,
      state,
      gateway,
    });
    assert.equal(swapped.outcome, 'switched', swapped.reason);
    assert.ok(load.stats.ok > afterGreen, 'held requests were answered after the swap');
    assert.equal(swapped.plan.engines[0]!.name, newName, 'stop-and-swap keeps the entry');
    assert.equal((swapped.plan.engines[0] as { model: string }).model, files.f32);

    // A corrupt model: the new engine never gets healthy; the old keeps serving throughout.
    const broken = await upgradeDeployment({
      action: 'upgrade',
      current: swapped.plan,
      replacements: [{ entry: newName, model: files.corrupt, label: 'corrupt' }],
      strategy: 'blue-green',
      runtime: kit.runtime,
      bus,
      state,
      gateway,
    });
    assert.equal(broken.outcome, 'rolled-back');
    assert.match(broken.reason ?? '', /did not become healthy/);
    const afterBroken = load.stats.ok;
    for (let i = 0; i < 120 && load.stats.ok <= afterBroken; i++)
      await new Promise((r) => setTimeout(r, 250));
    assert.ok(load.stats.ok > afterBroken, 'the old engine still serves');
    const left = await kit.runtime.list({ 'ops.deployment': deployment, 'ops.role': 'engine' });
    assert.deepEqual(
      left.map((c) => c.labels['ops.name']),
      [newName],
    );

    await load.stop();
    process.stderr.write(`load: ${load.stats.ok} answers, ${load.stats.failed} failures\n`);
    assert.equal(load.stats.failed, 0, load.stats.errors.slice(0, 5).join('\n'));
    assert.ok(load.stats.ok > 20);

    // Every attempt is an event for the ledger, the failed one included.
    const records = readFileSync(upgradeSpoolFile(state), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      records.map((r) => r.kind),
      [
        'upgrade:start',
        'upgrade:switched',
        'upgrade:start',
        'upgrade:switched',
        'upgrade:start',
        'upgrade:rolled-back',
      ],
    );
    assert.equal(records[5].id, records[4].id);
    assert.equal(records[3].strategy, 'stop-and-swap');
    // The Plan before the last successful switch is kept for `ops rollback`.
    assert.ok(
      readFileSync(state.previousPlanFile, 'utf8').includes(files.q8),
      'the previous Plan runs the Q8_0 blob',
    );
    assert.match(readFileSync(state.planFile, 'utf8'), /smoke-tiny\.gguf/);
  });
});
