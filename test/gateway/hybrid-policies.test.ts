import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import type { CloudOptions } from '../../src/gateway/hybrid/hybrid-options.js';
import { createGateway } from '../../src/gateway/server.js';
import {
  type AnthropicCloudDouble,
  CLOUD_DOUBLE_REPLY,
  startAnthropicCloudDouble,
} from './anthropic-cloud-double.js';
import { checkAnthropicStream } from './anthropic-stream-checker.js';
import { type GatewayFixture, post, startFixture } from './gateway-fixture.js';

const KEY = 'sk-ant-test-key';
const env = { ANTHROPIC_API_KEY: KEY };

/** A loopback port nothing listens on: connections to it are refused. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ask = (over: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'hello' }],
  ...over,
});

describe('hybrid cloud policies', () => {
  let cloud: AnthropicCloudDouble;
  let fixture: GatewayFixture | undefined;
  beforeAll(async () => {
    cloud = await startAnthropicCloudDouble(KEY);
  });
  afterAll(async () => {
    await cloud.close();
  });
  const start = async (
    options: CloudOptions,
    over: Parameters<typeof startFixture>[1] = {},
    script: Parameters<typeof startFixture>[0] = [],
  ) => {
    cloud.requests.length = 0;
    cloud.failWith(200);
    fixture = await startFixture(script, {
      ...over,
      options: { cloud: { baseUrl: cloud.url, ...options }, env, ...over.options },
    });
    return fixture;
  };
  const stop = async () => {
    await fixture?.close();
    fixture = undefined;
  };

  it('local-only never calls the cloud, not even when local is down', async () => {
    const f = await start(
      { mode: 'local-only' },
      { descriptor: { baseUrl: `http://127.0.0.1:${await deadPort()}/v1` } },
    );
    try {
      const res = await post(`${f.url}/v1/messages`, ask());
      assert.ok(res.status >= 500, `expected a local failure, got ${res.status}`);
      const ok = await startFixture([], {
        options: { cloud: { mode: 'local-only', baseUrl: cloud.url }, env: {} },
      });
      assert.equal((await post(`${ok.url}/v1/messages`, ask())).status, 200);
      await ok.close();
      assert.equal(cloud.requests.length, 0);
    } finally {
      await stop();
    }
  });

  it('local-first: local down → cloud, streamed byte for byte, usage recorded as cloud', async () => {
    const f = await start(
      { mode: 'local-first' },
      { descriptor: { baseUrl: `http://127.0.0.1:${await deadPort()}/v1` } },
    );
    try {
      const res = await post(`${f.url}/v1/messages`, ask({ stream: true }), { 'anthropic-beta': 'x-test' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-ops-route'), 'cloud');
      const checked = checkAnthropicStream(res.text);
      assert.equal(checked.content[0].text, CLOUD_DOUBLE_REPLY);
      assert.equal(cloud.requests.length, 1);
      const sent = cloud.requests[0]!;
      assert.equal(sent.headers['x-api-key'], KEY);
      assert.equal(sent.headers['anthropic-beta'], 'x-test');
      assert.equal(sent.body.model, 'claude-sonnet-4-5');
      const record = f.usage.at(-1)!;
      assert.equal(record.route, 'cloud');
      assert.equal(record.upstream, 'cloud');
      assert.equal(record.status, 200);
      assert.equal(record.outputTokens, 5);
      assert.ok(record.inputTokens > 0);
      // Marked down: the next request goes straight to the cloud, non-streaming too.
      const again = await post(`${f.url}/v1/messages`, ask({ model: 'quality' }));
      assert.equal(again.status, 200);
      assert.equal(again.json().content[0].text, CLOUD_DOUBLE_REPLY);
      assert.equal(
        cloud.requests[1]!.body.model,
        'claude-sonnet-4-5',
        'a local alias becomes the default cloud model',
      );
    } finally {
      await stop();
    }
  });

  it('local-first: local queue full → cloud; the waiting ones are served locally', async () => {
    const f = await start(
      { mode: 'local-first' },
      { descriptor: { parallel: 1 }, options: { maxQueuedPerUpstream: 1 } },
      () => ({ text: 'local answer', delayMs: 300 }),
    );
    try {
      const first = post(`${f.url}/v1/messages`, ask());
      await new Promise((r) => setTimeout(r, 50));
      const second = post(`${f.url}/v1/messages`, ask());
      await new Promise((r) => setTimeout(r, 50));
      const third = await post(`${f.url}/v1/messages`, ask());
      assert.equal(third.status, 200);
      assert.equal(third.json().content[0].text, CLOUD_DOUBLE_REPLY);
      for (const res of await Promise.all([first, second])) {
        assert.equal(res.status, 200);
        assert.equal(res.json().content[0].text, 'local answer');
      }
      assert.equal(cloud.requests.length, 1);
      assert.deepEqual(f.usage.map((u) => u.route).sort(), ['cloud', 'local', 'local']);
    } finally {
      await stop();
    }
  });

  it('local-first: a prompt longer than every local context → cloud', async () => {
    const f = await start({ mode: 'local-first' }, { descriptor: { contextLength: 1024, parallel: 1 } });
    try {
      const long = 'word '.repeat(8000);
      const res = await post(`${f.url}/v1/messages`, ask({ messages: [{ role: 'user', content: long }] }));
      assert.equal(res.status, 200);
      assert.equal(res.json().content[0].text, CLOUD_DOUBLE_REPLY);
      assert.equal(cloud.requests.length, 1);
      // A short one stays local.
      assert.equal((await post(`${f.url}/v1/messages`, ask())).headers.get('x-ops-route'), null);
      assert.equal(cloud.requests.length, 1);
    } finally {
      await stop();
    }
  });

  it('local-first: too long and the cloud unreachable → the "prompt is too long" error Claude Code compacts on', async () => {
    const f = await start(
      { mode: 'local-first', baseUrl: `http://127.0.0.1:${await deadPort()}` },
      { descriptor: { contextLength: 1024, parallel: 1 } },
    );
    try {
      const res = await post(
        `${f.url}/v1/messages`,
        ask({ messages: [{ role: 'user', content: 'word '.repeat(8000) }] }),
      );
      assert.equal(res.status, 400);
      assert.match(res.json().error.message, /^prompt is too long: \d+ tokens > 1024 maximum/);
    } finally {
      await stop();
    }
  });

  it('cloud-first: cloud by default, local once the weekly cap is spent', async () => {
    const f = await start({ mode: 'cloud-first', weeklyCap: { tokens: 1 } });
    try {
      const first = await post(`${f.url}/v1/messages`, ask());
      assert.equal(first.json().content[0].text, CLOUD_DOUBLE_REPLY);
      const second = await post(`${f.url}/v1/messages`, ask({ stream: true }));
      assert.equal(second.status, 200);
      checkAnthropicStream(second.text);
      assert.equal(second.headers.get('x-ops-route'), null);
      assert.equal(cloud.requests.length, 1);
      assert.equal(f.gateway.context.hybrid!.budget.spending().tokens > 1, true);
      assert.deepEqual(
        f.usage.map((u) => u.route),
        ['cloud', 'local'],
      );
    } finally {
      await stop();
    }
  });

  it('cloud-first: a cap already spent at start keeps everything local', async () => {
    const f = await start({ mode: 'cloud-first', weeklyCap: { usd: 50, spentUsd: 50 } });
    try {
      assert.equal((await post(`${f.url}/v1/messages`, ask())).status, 200);
      assert.equal(cloud.requests.length, 0);
    } finally {
      await stop();
    }
  });

  it('cloud-first: cloud unreachable → local, and the cloud is skipped for a while', async () => {
    const f = await start({ mode: 'cloud-first', baseUrl: `http://127.0.0.1:${await deadPort()}` });
    try {
      for (const stream of [false, true]) {
        const res = await post(`${f.url}/v1/messages`, ask({ stream }));
        assert.equal(res.status, 200);
        if (stream) checkAnthropicStream(res.text);
      }
      assert.ok(f.gateway.context.hybrid!.isDown('cloud'));
      assert.deepEqual(
        f.usage.map((u) => u.route),
        ['local', 'local'],
      );
    } finally {
      await stop();
    }
  });

  it('cloud-first: the cloud overloaded (529) → local', async () => {
    const f = await start({ mode: 'cloud-first' });
    cloud.failWith(529);
    try {
      const res = await post(`${f.url}/v1/messages`, ask());
      assert.equal(res.status, 200);
      assert.equal(res.json().content[0].text, 'ok');
      assert.equal(cloud.requests.length, 1);
    } finally {
      await stop();
    }
  });

  it('OpenAI API traffic stays local in every mode', async () => {
    const f = await start({ mode: 'cloud-first' });
    try {
      const res = await post(`${f.url}/v1/chat/completions`, {
        model: 'quality',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.equal(res.status, 200);
      assert.equal(cloud.requests.length, 0);
    } finally {
      await stop();
    }
  });

  it('a cloud mode without a key is refused at start, naming the variable', () => {
    assert.throws(
      () =>
        createGateway({
          upstreams: [
            { name: 'a', baseUrl: 'http://127.0.0.1:1/v1', aliases: [], contextLength: 4096, parallel: 1 },
          ],
          cloud: { mode: 'local-first' },
          env: {},
        }),
      (error: unknown) =>
        error instanceof OpsError && /ANTHROPIC_API_KEY/.test(error.message) && !!error.hint,
    );
  });
});
