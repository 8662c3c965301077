import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { EngineHealthError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import { LABEL } from '../../src/core/labels.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import type { Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { deployDown, deployUp } from '../../src/runtime/deployer.js';
import { deploymentStatus } from '../../src/runtime/deployment-status.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { testModelLocator } from '../support/model-locator.js';

const planContext = (dir: string) => ({ planDir: dir });

describe('deployer against the real Docker daemon and llama.cpp engine', { timeout: 300_000 }, () => {
  let kit: DockerTestKit;
  let model: string;
  const deployment = testDeploymentName();
  const otherDeployment = testDeploymentName();
  const bus = new EventBus();
  const events: string[] = [];
  bus.on((e) => events.push(e.kind));

  const plan = (engines: Record<string, unknown>[], name = deployment): Plan => {
    const result = validatePlan({ version: 1, deployment: name, engines }, planContext(kit.dir));
    assert.deepEqual(result.problems, []);
    return result.plan!;
  };
  const engine = (name: string, port: number, over: Record<string, unknown> = {}) => ({
    engine: 'llama.cpp',
    name,
    image: TEST_ENGINE_IMAGE,
    model,
    contextLength: 2048,
    parallel: 2,
    port,
    healthTimeoutS: 90,
    ...over,
  });

  beforeAll(async () => {
    kit = await dockerTestKit();
    model = join(kit.dir, 'smoke-tiny.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 1 });
  });
  afterAll(async () => {
    await kit.cleanup(deployment, otherDeployment);
  });

  let ports: number[] = [];
  let firstIds: Record<string, string> = {};

  it('brings two engines up healthy, and status lists them with their URLs', async () => {
    ports = [await freePort(), await freePort()];
    const result = await deployUp(
      plan([engine('alpha', ports[0]!), engine('beta', ports[1]!)]),
      kit.runtime,
      bus,
      { models: testModelLocator(kit.dir) },
    );
    assert.deepEqual(result.created.sort(), ['alpha', 'beta']);
    const status = await deploymentStatus(deployment, kit.runtime, undefined);
    assert.deepEqual(
      status.engines.map((e) => [e.name, e.engine, e.state, e.url]),
      [
        ['alpha', 'llama.cpp', 'healthy', `http://127.0.0.1:${ports[0]}`],
        ['beta', 'llama.cpp', 'healthy', `http://127.0.0.1:${ports[1]}`],
      ],
    );
    firstIds = Object.fromEntries(status.engines.map((e) => [e.name, e.container!.id]));
  });

  it('answers a real chat completion from the container', async () => {
    const res = await fetch(`http://127.0.0.1:${ports[0]}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'alpha', messages: [{ role: 'user', content: 'hello' }], max_tokens: 8 }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      choices: { message: { content: string } }[];
      usage: { completion_tokens: number };
    };
    assert.equal(typeof body.choices[0]?.message.content, 'string');
    assert.ok(body.usage.completion_tokens > 0);
  });

  it('a second up with the same Plan changes nothing', async () => {
    const result = await deployUp(
      plan([engine('alpha', ports[0]!), engine('beta', ports[1]!)]),
      kit.runtime,
      bus,
      { models: testModelLocator(kit.dir) },
    );
    assert.deepEqual(result.reused.sort(), ['alpha', 'beta']);
    assert.deepEqual([...result.created, ...result.replaced, ...result.removed, ...result.started], []);
    const status = await deploymentStatus(deployment, kit.runtime, undefined);
    assert.deepEqual(Object.fromEntries(status.engines.map((e) => [e.name, e.container!.id])), firstIds);
  });

  it('a changed entry is replaced and only that one', async () => {
    const result = await deployUp(
      plan([engine('alpha', ports[0]!), engine('beta', ports[1]!, { contextLength: 4096 })]),
      kit.runtime,
      bus,
      { models: testModelLocator(kit.dir) },
    );
    assert.deepEqual(result.replaced, ['beta']);
    assert.deepEqual(result.reused, ['alpha']);
    const status = await deploymentStatus(deployment, kit.runtime, undefined);
    const ids = Object.fromEntries(status.engines.map((e) => [e.name, e.container!.id]));
    assert.equal(ids.alpha, firstIds.alpha);
    assert.notEqual(ids.beta, firstIds.beta);
    assert.ok(status.engines.every((e) => e.state === 'healthy'));
  });

  it('an entry dropped from the Plan is removed', async () => {
    const result = await deployUp(plan([engine('alpha', ports[0]!)]), kit.runtime, bus, {
      models: testModelLocator(kit.dir),
    });
    assert.deepEqual(result.removed, ['beta']);
    const status = await deploymentStatus(deployment, kit.runtime, undefined);
    assert.deepEqual(
      status.engines.map((e) => e.name),
      ['alpha'],
    );
  });

  it('a corrupt model fails health with a readable error carrying the engine log, and the container is stopped', async () => {
    const corrupt = join(kit.dir, 'corrupt.gguf');
    copyFileSync(model, corrupt);
    // Keep the GGUF magic but cut the file short: the header promises tensors the file does not have.
    writeFileSync(corrupt, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64, 7)]));
    const port = await freePort();
    await assert.rejects(
      deployUp(
        plan([engine('broken', port, { model: corrupt, healthTimeoutS: 60 })], otherDeployment),
        kit.runtime,
        bus,
        { models: testModelLocator(kit.dir) },
      ),
      (error: unknown) => {
        assert.ok(error instanceof EngineHealthError);
        assert.match(error.message, /engine broken did not become healthy: the engine exited/);
        assert.match(error.message, /--- last log lines of broken ---/);
        assert.match(error.logTail, /gguf|model|load/i);
        assert.match(error.hint ?? '', /ops logs broken/);
        return true;
      },
    );
    const [broken] = await kit.runtime.list({ [LABEL.deployment]: otherDeployment });
    assert.ok(
      broken && broken.state !== 'running',
      `expected the broken engine stopped, got ${broken?.state}`,
    );
  });

  it('down removes every container of the deployment and nothing else', async () => {
    const bystander = await kit.docker.createContainer({
      Image: TEST_ENGINE_IMAGE,
      Entrypoint: ['sleep'],
      Cmd: ['60'],
      Labels: { [LABEL.deployment]: `${deployment}-not` },
    });
    try {
      const removed = await deployDown(deployment, kit.runtime, bus);
      assert.deepEqual(removed, [`ops-${deployment}-alpha`]);
      assert.deepEqual(await kit.runtime.list({ [LABEL.deployment]: deployment }), []);
      // The other deployment's container and an unlabelled-for-us container are untouched.
      assert.equal((await kit.runtime.list({ [LABEL.deployment]: otherDeployment })).length, 1);
      assert.equal((await bystander.inspect()).Id, bystander.id);
    } finally {
      await bystander.remove({ force: true });
    }
    assert.ok(
      events.includes('engine:healthy') &&
        events.includes('container:replace') &&
        events.includes('engine:unhealthy'),
    );
  });
});
