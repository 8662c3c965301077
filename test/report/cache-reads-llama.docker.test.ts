import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadDefaultPrices } from '../../src/config/load-config.js';
import { EventBus } from '../../src/core/events.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import type { UsageRecord } from '../../src/gateway/types.js';
import { upstreamsFromPlan } from '../../src/gateway/upstreams-from-plan.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { parseMonth } from '../../src/report/month-range.js';
import { computeTokens } from '../../src/report/tokens.js';
import { deployUp } from '../../src/runtime/deployer.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { testModelLocator } from '../support/model-locator.js';

/**
 * The real llama.cpp engine reports the prompt tokens it reused from its slot (`prompt_tokens_details.cached_tokens`),
 * the gateway records them as cache reads, and the report prices them at the cache-read rate: the second of two
 * requests that share a long prefix is mostly cache reads.
 */
describe('cache reads from the real llama.cpp engine reach the usage record and the price', {
  timeout: 300_000,
}, () => {
  let kit: DockerTestKit;
  let gateway: Gateway;
  let url: string;
  const usage: UsageRecord[] = [];
  const deployment = testDeploymentName();
  // ~800 tokens with the smoke model's byte-level vocabulary: a stand-in for a coding agent's system prompt.
  const system = 'You are a careful coding assistant. Follow the repository conventions. '.repeat(11);

  beforeAll(async () => {
    kit = await dockerTestKit();
    const model = join(kit.dir, 'smoke.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 7 });
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
            contextLength: 4096,
            parallel: 1,
            port: await freePort(),
            healthTimeoutS: 120,
          },
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
    await kit?.cleanup(deployment);
  });

  it('Anthropic messages: the second request with the same prefix is mostly cache reads', async () => {
    const ask = async (question: string, stream: boolean) => {
      const res = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'coder',
          max_tokens: 4,
          stream,
          system,
          messages: [{ role: 'user', content: question }],
        }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      await res.text();
    };
    await ask('first question', false);
    await ask('second question', true);
    await ask('third question', false);
    const served = usage.filter((u) => u.status === 200);
    assert.equal(served.length, 3);
    const [first, second, third] = served as [UsageRecord, UsageRecord, UsageRecord];
    for (const later of [second, third]) {
      assert.ok(
        later.cacheReadTokens! > later.inputTokens * 0.8 && later.cacheReadTokens! < later.inputTokens,
        `cache reads ${later.cacheReadTokens} of ${later.inputTokens} prompt tokens`,
      );
    }
    assert.ok((first.cacheReadTokens ?? 0) < first.inputTokens * 0.5);
    console.log(
      `prompt / cache reads: ${served.map((u) => `${u.inputTokens}/${u.cacheReadTokens ?? 0}`).join(', ')}`,
    );

    const month = parseMonth(first.at.slice(0, 7));
    const tokens = computeTokens(
      served.map((u) => ({
        tsMs: Date.parse(u.at),
        api: u.api,
        model: 'claude-sonnet-4-5',
        upstream: u.upstream,
        route: 'local' as const,
        inputTokens: u.inputTokens,
        cacheReadTokens: u.cacheReadTokens ?? 0,
        cacheWriteTokens: u.cacheWriteTokens ?? 0,
        outputTokens: u.outputTokens,
        latencyMs: u.latencyMs,
        ttftMs: u.ttftMs,
        status: u.status,
        dedupKey: null,
      })),
      loadDefaultPrices(),
      month,
    );
    // Each cache-read token saves 90% of the input price against pricing the whole prompt as plain input.
    const expectedSaving = (tokens.local.cacheReadTokens * 3 * 0.9) / 1e6;
    assert.ok(
      Math.abs(tokens.cloudEquivalentUncachedUsd - tokens.cloudEquivalentUsd - expectedSaving) < 1e-12,
    );
  });
});
