import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'vitest';
import { createGateway } from '../../src/gateway/server.js';
import { checkAnthropicStream } from './anthropic-stream-checker.js';
import { post, startFixture } from './gateway-fixture.js';

const msg = (extra: object = {}) => ({
  model: 'claude-sonnet-x',
  max_tokens: 50,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const chat = (extra: object = {}) => ({
  model: 'quality',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gateway protocol over HTTP', () => {
  it('answers HEAD / and GET /, and matches /v1/messages on path only', async () => {
    const fx = await startFixture();
    try {
      assert.equal((await fetch(fx.url, { method: 'HEAD' })).status, 200);
      assert.equal((await fetch(fx.url)).status, 200);
      const r = await post(`${fx.url}/v1/messages?beta=true`, msg());
      assert.equal(r.status, 200);
      assert.equal(r.json().type, 'message');
    } finally {
      await fx.close();
    }
  });

  it('shapes client errors for the API they answer', async () => {
    const fx = await startFixture();
    try {
      const a = await post(`${fx.url}/v1/messages`, '{not json');
      assert.equal(a.status, 400);
      assert.equal(a.json().type, 'error');
      assert.equal(a.json().error.type, 'invalid_request_error');
      const o = await post(`${fx.url}/v1/chat/completions`, '{not json');
      assert.equal(o.status, 400);
      assert.deepEqual(Object.keys(o.json().error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(o.json().error.type, 'invalid_request_error');
      const missing = await post(`${fx.url}/v1/messages`, { model: 'x', messages: [] });
      assert.match(missing.json().error.message, /max_tokens/);
      const unknown = await post(`${fx.url}/v1/messages`, msg({ model: 'gpt-9' }));
      assert.deepEqual([unknown.status, unknown.json().error.type], [404, 'not_found_error']);
      const nopath = await post(`${fx.url}/v1/complete`, {});
      assert.equal(nopath.status, 404);
    } finally {
      await fx.close();
    }
  });

  it('maps upstream failures: 500 → api_error, 429 → rate_limit_error with retry-after, 503 → overloaded 529', async () => {
    const fx = await startFixture([
      { status: 500, errorBody: { error: { message: 'boom' } } },
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503, errorBody: { error: { message: 'Loading model' } } },
      { status: 500 },
    ]);
    try {
      const e500 = await post(`${fx.url}/v1/messages`, msg());
      assert.deepEqual([e500.status, e500.json().error.type], [500, 'api_error']);
      assert.match(e500.json().error.message, /boom/);
      const e429 = await post(`${fx.url}/v1/messages`, msg());
      assert.deepEqual(
        [e429.status, e429.json().error.type, e429.headers.get('retry-after')],
        [429, 'rate_limit_error', '7'],
      );
      const e503 = await post(`${fx.url}/v1/messages`, msg({ stream: true }));
      assert.deepEqual([e503.status, e503.json().error.type], [529, 'overloaded_error']);
      const o = await post(`${fx.url}/v1/chat/completions`, chat());
      assert.equal(o.status, 502);
      assert.equal(o.json().error.type, 'server_error');
      assert.deepEqual(
        fx.usage.map((u) => u.status),
        [500, 429, 529, 502],
      );
    } finally {
      await fx.close();
    }
  });

  it('refuses bodies over the limit with 413 in each API shape', async () => {
    const fx = await startFixture([], { options: { maxBodyBytes: 1000 } });
    try {
      const big = msg({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
      const a = await post(`${fx.url}/v1/messages`, big);
      assert.deepEqual([a.status, a.json().error.type], [413, 'request_too_large']);
      const o = await post(
        `${fx.url}/v1/chat/completions`,
        chat({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
      );
      assert.deepEqual([o.status, o.json().error.code], [413, 'request_too_large']);
    } finally {
      await fx.close();
    }
  });

  it('requires a configured API key as x-api-key or Bearer, and refuses open binds without keys', async () => {
    const fx = await startFixture([], { options: { apiKeys: ['secret'] } });
    try {
      const none = await post(`${fx.url}/v1/messages`, msg());
      assert.deepEqual([none.status, none.json().error.type], [401, 'authentication_error']);
      const wrong = await post(`${fx.url}/v1/chat/completions`, chat(), { authorization: 'Bearer nope' });
      assert.equal(wrong.status, 401);
      assert.equal((await post(`${fx.url}/v1/messages`, msg(), { 'x-api-key': 'secret' })).status, 200);
      assert.equal(
        (await post(`${fx.url}/v1/chat/completions`, chat(), { authorization: 'Bearer secret' })).status,
        200,
      );
    } finally {
      await fx.close();
    }
    const open = createGateway({
      upstreams: [
        { name: 'a', baseUrl: 'http://127.0.0.1:9/v1', aliases: [], contextLength: 1024, parallel: 1 },
      ],
    });
    await assert.rejects(open.listen(0, '0.0.0.0'), /without API keys/);
    await open.close();
  });

  it('clamps max_tokens to the slot and refuses prompts that do not fit with the exact text', async () => {
    // 4096 / 2 slots = 2048 tokens per request; the scripted tokenizer counts 1 token per 4 characters.
    const fx = await startFixture([], { descriptor: { contextLength: 4096, parallel: 2 } });
    try {
      await post(
        `${fx.url}/v1/messages`,
        msg({ max_tokens: 32000, messages: [{ role: 'user', content: 'x'.repeat(4000) }] }),
      );
      const sent = fx.upstream.requests.at(-1)!.body;
      assert.equal(sent.max_tokens, 2048 - (1000 + 5));
      const long = { role: 'user', content: 'x'.repeat(12000) };
      const a = await post(`${fx.url}/v1/messages`, msg({ messages: [long] }));
      assert.equal(a.status, 400);
      assert.deepEqual(a.json().error, {
        type: 'invalid_request_error',
        message: 'prompt is too long: 3005 tokens > 2048 maximum',
      });
      const o = await post(`${fx.url}/v1/chat/completions`, chat({ messages: [long], max_tokens: 10 }));
      assert.equal(o.json().error.message, 'prompt is too long: 3005 tokens > 2048 maximum');
    } finally {
      await fx.close();
    }
  });

  it('turns an upstream dying mid-stream into an Anthropic error event and an OpenAI error chunk', async () => {
    const fx = await startFixture([
      { text: 'partial answer', dieAfterChunks: 2 },
      { text: 'partial answer', dieAfterChunks: 2 },
      { text: 'x', streamError: 'slot crashed' },
    ]);
    try {
      const a = await post(`${fx.url}/v1/messages`, msg({ stream: true }));
      assert.equal(a.status, 200);
      const s = checkAnthropicStream(a.text);
      assert.equal(s.error.error.type, 'api_error');
      const o = await post(`${fx.url}/v1/chat/completions`, chat({ stream: true }));
      assert.equal(o.text.includes('[DONE]'), false);
      const last = o.text.trim().split('\n\n').at(-1)!;
      assert.equal(JSON.parse(last.slice('data: '.length)).error.type, 'server_error');
      const inStream = checkAnthropicStream(
        (await post(`${fx.url}/v1/messages`, msg({ stream: true }))).text,
      );
      assert.match(inStream.error.error.message, /slot crashed/);
      assert.deepEqual(
        fx.usage.map((u) => u.status),
        [502, 502, 502],
      );
    } finally {
      await fx.close();
    }
  });

  it('refuses when the queue is full: 529 overloaded_error / 429, both with retry-after ≤ 60', async () => {
    const fx = await startFixture(() => ({ text: 'slow', delayMs: 400 }), {
      descriptor: { parallel: 1 },
      options: { maxQueuedPerUpstream: 1 },
    });
    try {
      const holding = post(`${fx.url}/v1/messages`, msg());
      await sleep(50);
      const queued = post(`${fx.url}/v1/messages`, msg());
      await sleep(50);
      const a = await post(`${fx.url}/v1/messages`, msg());
      assert.deepEqual([a.status, a.json().error.type], [529, 'overloaded_error']);
      const retry = Number(a.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `retry-after ${retry}`);
      const o = await post(`${fx.url}/v1/chat/completions`, chat());
      assert.deepEqual([o.status, o.json().error.type], [429, 'rate_limit_error']);
      assert.ok(Number(o.headers.get('retry-after')) >= 1);
      assert.deepEqual([(await holding).status, (await queued).status], [200, 200]);
    } finally {
      await fx.close();
    }
  });

  it('sends pings while a stream waits in the queue, then a valid stream', async () => {
    const fx = await startFixture([{ text: 'first', delayMs: 300 }, { text: 'second' }], {
      descriptor: { parallel: 1 },
      options: { pingIntervalMs: 50 },
    });
    try {
      const first = post(`${fx.url}/v1/messages`, msg());
      await sleep(30);
      const second = await post(`${fx.url}/v1/messages`, msg({ stream: true }));
      const s = checkAnthropicStream(second.text);
      assert.ok(s.pings >= 2, `pings: ${s.pings}`);
      assert.deepEqual(s.content, [{ type: 'text', text: 'second' }]);
      await first;
    } finally {
      await fx.close();
    }
  });

  it('a client that disconnects cancels the upstream request and frees the slot', async () => {
    const fx = await startFixture(
      [{ text: 'never read', delayMs: 3000 }, { text: 'queued, abandoned' }, { text: 'next' }],
      {
        descriptor: { parallel: 1 },
      },
    );
    try {
      const gone = abortAfter(`${fx.url}/v1/messages`, msg({ stream: true }), 150);
      const queuedGone = abortAfter(`${fx.url}/v1/chat/completions`, chat(), 100);
      await Promise.all([gone, queuedGone]);
      await sleep(50);
      assert.equal(fx.upstream.abortedCount(), 1);
      const pool = fx.gateway.context.pool.get('coder');
      assert.deepEqual([pool.queue.activeCount, pool.queue.queuedCount()], [0, 0]);
      const started = Date.now();
      const next = await post(`${fx.url}/v1/messages`, msg());
      assert.equal(next.status, 200);
      assert.ok(Date.now() - started < 1000);
      assert.deepEqual(fx.usage.map((u) => u.status).sort(), [200, 499, 499]);
    } finally {
      await fx.close();
    }
  });

  it('serves health, metrics and the response cache', async () => {
    const fx = await startFixture();
    try {
      const health = await fetch(`${fx.url}/health`);
      assert.equal(health.status, 200);
      const h = (await health.json()) as { status: string; upstreams: { name: string; healthy: boolean }[] };
      assert.deepEqual([h.status, h.upstreams[0]!.name, h.upstreams[0]!.healthy], ['ok', 'coder', true]);
      const first = await post(`${fx.url}/v1/messages`, msg({ temperature: 0 }));
      const second = await post(`${fx.url}/v1/messages`, msg({ temperature: 0 }));
      assert.equal(second.headers.get('x-ops-cache'), 'hit');
      assert.deepEqual(second.json().content, first.json().content);
      assert.equal(fx.upstream.requests.filter((r) => r.path === '/v1/chat/completions').length, 1);
      const metrics = await (await fetch(`${fx.url}/metrics`)).text();
      assert.match(metrics, /ops_gateway_requests_total\{api="anthropic",upstream="coder",status="200"\} 2/);
      assert.match(metrics, /ops_gateway_cache_requests_total\{result="hit"\} 1/);
      assert.match(metrics, /ops_gateway_queue_depth\{upstream="coder",priority="background"\} 0/);
      assert.match(metrics, /ops_gateway_queue_wait_seconds_count/);
    } finally {
      await fx.close();
    }
    const down = createGateway({
      upstreams: [
        {
          name: 'a',
          baseUrl: 'http://127.0.0.1:9/v1',
          aliases: [],
          contextLength: 1024,
          parallel: 1,
          engine: 'llama.cpp',
        },
      ],
    });
    const url = await down.listen(0);
    const r = await fetch(`${url}/health`);
    assert.equal(r.status, 503);
    assert.equal(((await r.json()) as { status: string }).status, 'down');
    const refused = await post(`${url}/v1/messages`, msg());
    assert.deepEqual([refused.status, refused.json().error.type], [500, 'api_error']);
    await down.close();
  });

  it('count_tokens falls back to the bytes/4 estimate, and says so, when the upstream has no tokenizer', async () => {
    const fx = await startFixture([], { descriptor: { engine: 'external' }, tokenize: false });
    try {
      const r = await post(`${fx.url}/v1/messages/count_tokens`, {
        model: 'quality',
        messages: [{ role: 'user', content: 'x'.repeat(400) }],
      });
      assert.deepEqual(
        [r.status, r.json().input_tokens, r.headers.get('x-ops-token-count')],
        [200, 105, 'estimate'],
      );
    } finally {
      await fx.close();
    }
  });
});

/** Sends a request and destroys the connection after `ms` (a client that goes away). */
function abortAfter(url: string, body: unknown, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => resolve());
    req.on('response', (res) => res.resume());
    req.end(JSON.stringify(body));
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}
