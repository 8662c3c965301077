import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import type { UsageRecord } from '../../src/gateway/types.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { deployUp } from '../../src/runtime/deployer.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { testModelLocator } from '../support/model-locator.js';
import { checkAnthropicStream } from './anthropic-stream-checker.js';

const CLIENTS = 200;
const SLOTS = 4;
const MAX_QUEUED = 64;
const PER_REQUEST_TIMEOUT_MS = 45_000;

type Outcome = 'complete' | 'overloaded' | 'rate_limited';

describe('gateway under load in front of a real llama.cpp engine', { timeout: 240_000 }, () => {
  let kit: DockerTestKit;
  let gateway: Gateway;
  let url: string;
  const usage: UsageRecord[] = [];
  const deployment = testDeploymentName();

  beforeAll(async () => {
    kit = await dockerTestKit();
    const model = join(kit.dir, 'smoke-tiny.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 1 });
    const port = await freePort();
    const { plan, problems } = validatePlan(
      {
        version: 1,
        deployment,
        engines: [
          {
            engine: 'llama.cpp',
            name: 'coder',
            image: TEST_ENGINE_IMAGE,
            model,
            contextLength: 2048,
            parallel: SLOTS,
            port,
            healthTimeoutS: 90,
          },
        ],
      },
      { planDir: kit.dir },
    );
    assert.deepEqual(problems, []);
    await deployUp(plan!, kit.runtime, new EventBus(), { models: testModelLocator(kit.dir) });
    gateway = createGateway({
      upstreams: [
        {
          name: 'coder',
          baseUrl: `http://127.0.0.1:${port}/v1`,
          aliases: ['coder'],
          contextLength: 2048,
          parallel: SLOTS,
          engine: 'llama.cpp',
        },
      ],
      maxQueuedPerUpstream: MAX_QUEUED,
      cache: false,
      pingIntervalMs: 1000,
      usageSink: (r) => usage.push(r),
    });
    url = await gateway.listen(0);
  });
  afterAll(async () => {
    await gateway?.close();
    await kit?.cleanup(deployment);
  });

  const anthropicStream = async (i: number): Promise<Outcome> => {
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 8,
        stream: true,
        messages: [{ role: 'user', content: `request ${i}: say hello` }],
      }),
      signal: AbortSignal.timeout(PER_REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status === 529) {
      const body = JSON.parse(text);
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'overloaded_error');
      assert.ok(Number(res.headers.get('retry-after')) >= 1, 'a 529 carries retry-after');
      return 'overloaded';
    }
    assert.equal(res.status, 200, text);
    const checked = checkAnthropicStream(text);
    assert.equal(checked.error, null, `stream ${i} ended in an error: ${JSON.stringify(checked.error)}`);
    assert.ok(checked.usage.output_tokens > 0 && checked.usage.input_tokens > 0, 'real usage in the stream');
    return 'complete';
  };

  const openaiStream = async (i: number): Promise<Outcome> => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'coder',
        max_tokens: 8,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: `request ${i}: say hello` }],
      }),
      signal: AbortSignal.timeout(PER_REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.status === 429) {
      assert.equal(JSON.parse(text).error.type, 'rate_limit_error');
      assert.ok(Number(res.headers.get('retry-after')) >= 1, 'a 429 carries retry-after');
      return 'rate_limited';
    }
    assert.equal(res.status, 200, text);
    const events = text
      .split('\n\n')
      .filter((f) => f.startsWith('data: '))
      .map((f) => f.slice(6));
    assert.equal(events.at(-1), '[DONE]', `stream ${i} ends with [DONE]`);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    assert.ok(
      chunks.every((c) => !c.error),
      `stream ${i} carries no error`,
    );
    const usage = chunks.find((c) => c.usage)?.usage;
    assert.ok(usage?.completion_tokens > 0 && usage?.prompt_tokens > 0, `stream ${i} carries usage`);
    assert.ok(
      chunks.some((c) => c.choices?.[0]?.finish_reason),
      `stream ${i} has a finish_reason`,
    );
    return 'complete';
  };

  it(`${CLIENTS} concurrent streams over ${SLOTS} slots: each completes or is refused cleanly, none hangs, memory and queues settle`, async () => {
    // Warm up (first requests allocate buffers and sockets) before the memory baseline.
    await Promise.all([anthropicStream(-1), openaiStream(-2)]);
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => (i % 2 === 0 ? anthropicStream(i) : openaiStream(i))),
    );
    const elapsedMs = Date.now() - started;
    const counts = { complete: 0, overloaded: 0, rate_limited: 0 };
    for (const o of outcomes) counts[o]++;
    const rssAfter = process.memoryUsage().rss;
    console.log(
      `load: ${CLIENTS} clients in ${elapsedMs} ms → ${counts.complete} complete, ${counts.overloaded} overloaded (529), ${counts.rate_limited} rate limited (429); rss ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
    );
    assert.equal(counts.complete + counts.overloaded + counts.rate_limited, CLIENTS);
    // The slots and the queue admit at least SLOTS + MAX_QUEUED at once; the rest may be refused.
    assert.ok(counts.complete >= SLOTS + MAX_QUEUED, `at least ${SLOTS + MAX_QUEUED} served`);
    assert.ok(counts.overloaded + counts.rate_limited > 0, 'the queue bound refused some');
    assert.ok(elapsedMs < 60_000, `all answered within 60 s (took ${elapsedMs} ms)`);
    assert.ok(rssAfter - rssBefore < 150 * 2 ** 20, 'memory grew by less than 150 MB');

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const gauge = (name: string) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`))
        .map((l) => Number(l.split(' ').at(-1)));
    assert.deepEqual(gauge('ops_gateway_queue_depth'), [0, 0]);
    assert.deepEqual(gauge('ops_gateway_active_requests'), [0]);
    const statuses = usage.slice(2).map((u) => u.status);
    assert.equal(statuses.length, CLIENTS, 'one usage record per request');
    assert.equal(statuses.filter((s) => s === 200).length, counts.complete);
  });
});
