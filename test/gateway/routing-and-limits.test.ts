import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { AdmissionQueue } from '../../src/gateway/admission-queue.js';
import { assertSafeBind } from '../../src/gateway/auth.js';
import { decideMaxTokens, slotContextTokens } from '../../src/gateway/context-limits.js';
import { GatewayError } from '../../src/gateway/gateway-error.js';
import { ResponseCache } from '../../src/gateway/response-cache.js';
import { ModelRouter } from '../../src/gateway/router.js';
import type { UpstreamDescriptor } from '../../src/gateway/types.js';
import { upstreamFailure } from '../../src/gateway/upstream-errors.js';
import { upstreamsFromPlan } from '../../src/gateway/upstreams-from-plan.js';
import type { Plan } from '../../src/plan/types.js';

const up = (name: string, aliases: string[] = []): UpstreamDescriptor => ({
  name,
  baseUrl: `http://127.0.0.1:1/v1`,
  aliases,
  contextLength: 8192,
  parallel: 1,
});

describe('model routing', () => {
  const router = new ModelRouter([up('big', ['coder']), up('small', ['fast'])], {
    gatewayAliases: { quality: 'big' },
  });

  it('routes entry names, entry aliases and plan aliases', () => {
    assert.equal(router.route({ model: 'big' }).upstream, 'big');
    assert.equal(router.route({ model: 'coder' }).upstream, 'big');
    assert.equal(router.route({ model: 'quality' }).upstream, 'big');
    assert.equal(router.route({ model: 'fast' }).upstream, 'small');
  });

  it('maps Claude tiers: opus/sonnet → quality (interactive), haiku → fast (background)', () => {
    assert.deepEqual(router.route({ model: 'claude-opus-4-8' }), {
      upstream: 'big',
      priority: 'interactive',
      reason: 'claude-tier',
    });
    assert.deepEqual(router.route({ model: 'claude-sonnet-4-5-20250929' }).upstream, 'big');
    assert.deepEqual(router.route({ model: 'claude-3-5-haiku-latest' }), {
      upstream: 'small',
      priority: 'background',
      reason: 'claude-tier',
    });
    assert.equal(
      router.route({ model: 'claude-3-5-haiku', priority: 'interactive' }).priority,
      'interactive',
    );
  });

  it('falls back to the first upstream when a tier alias is missing', () => {
    const r = new ModelRouter([up('only'), up('other')]);
    assert.deepEqual(r.route({ model: 'claude-haiku-4-5' }), {
      upstream: 'only',
      priority: 'background',
      reason: 'claude-fallback',
    });
  });

  it('refuses unknown models with not_found unless a fallback is configured', () => {
    assert.throws(
      () => router.route({ model: 'gpt-9' }),
      (e: unknown) => e instanceof GatewayError && e.kind === 'not_found',
    );
    const r = new ModelRouter([up('a'), up('b')], { fallbackUpstream: 'b' });
    assert.equal(r.route({ model: 'gpt-9' }).upstream, 'b');
  });

  it('lets a policy override the table', () => {
    const r = new ModelRouter([up('local'), up('cloud')], {
      policies: [
        (req, route) =>
          req.model === 'big-job'
            ? { upstream: 'cloud', priority: 'background', reason: 'policy' }
            : route && undefined,
      ],
    });
    assert.equal(r.route({ model: 'big-job' }).upstream, 'cloud');
    assert.equal(r.route({ model: 'local' }).upstream, 'local');
  });
});

describe('admission queue', () => {
  it('admits up to the slots, queues the rest, and serves interactive before background', async () => {
    const q = new AdmissionQueue(1, 4);
    const first = await q.acquire('interactive');
    const order: string[] = [];
    let queuedCalls = 0;
    const bg = q
      .acquire('background', undefined, () => queuedCalls++)
      .then((l) => {
        order.push('bg');
        return l;
      });
    const fg = q
      .acquire('interactive', undefined, () => queuedCalls++)
      .then((l) => {
        order.push('fg');
        return l;
      });
    assert.equal(q.queuedCount(), 2);
    assert.equal(queuedCalls, 2);
    first.release();
    (await fg).release();
    (await bg).release();
    assert.deepEqual(order, ['fg', 'bg']);
    assert.equal(q.activeCount, 0);
  });

  it('refuses at once with overloaded and a retry-after ≤ 60 s when the queue is full', async () => {
    const q = new AdmissionQueue(1, 1);
    await q.acquire('interactive');
    void q.acquire('interactive');
    await assert.rejects(q.acquire('interactive'), (e: unknown) => {
      return (
        e instanceof GatewayError && e.kind === 'overloaded' && e.retryAfterS! >= 1 && e.retryAfterS! <= 60
      );
    });
  });

  it('drops an aborted waiter from the queue', async () => {
    const q = new AdmissionQueue(1, 4);
    const held = await q.acquire('interactive');
    const ac = new AbortController();
    const waiting = q.acquire('interactive', ac.signal);
    ac.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    assert.equal(q.queuedCount(), 0);
    held.release();
    held.release();
    assert.equal(q.activeCount, 0);
  });
});

describe('context limits', () => {
  it('splits llama.cpp context among slots, not vLLM', () => {
    assert.equal(slotContextTokens({ contextLength: 32768, parallel: 4, engine: 'llama.cpp' }), 8192);
    assert.equal(slotContextTokens({ contextLength: 32768, parallel: 4, engine: 'vllm' }), 32768);
  });

  it('clamps max_tokens to the room left and refuses prompts that do not fit with the exact text', () => {
    assert.deepEqual(
      decideMaxTokens({
        promptTokens: 1000,
        source: 'tokenizer',
        requestedMaxTokens: 32000,
        slotContext: 8192,
      }),
      {
        fits: true,
        maxTokens: 7192,
        clamped: true,
      },
    );
    assert.deepEqual(
      decideMaxTokens({
        promptTokens: 1000,
        source: 'tokenizer',
        requestedMaxTokens: 100,
        slotContext: 8192,
      }),
      {
        fits: true,
        maxTokens: 100,
        clamped: false,
      },
    );
    const estimated = decideMaxTokens({
      promptTokens: 1000,
      source: 'estimate',
      requestedMaxTokens: 32000,
      slotContext: 8192,
    });
    assert.equal(estimated.fits && estimated.maxTokens, 6942);
    // Claude Code's first request (~19K tokens) on a 28K slot without a tokenizer: a real answer, not 1 token.
    const first = decideMaxTokens({
      promptTokens: 19000,
      source: 'estimate',
      requestedMaxTokens: 64000,
      slotContext: 28672,
    });
    assert.deepEqual(first, { fits: true, maxTokens: 4922, clamped: true });
    // Too little room left for an answer: refused in the words Claude Code understands, never max_tokens 1.
    const cramped = decideMaxTokens({
      promptTokens: 22500,
      source: 'estimate',
      requestedMaxTokens: 64000,
      slotContext: 28672,
    });
    assert.equal(!cramped.fits && cramped.message, 'prompt is too long: 28125 tokens > 27648 maximum');
    const exact = decideMaxTokens({
      promptTokens: 8000,
      source: 'tokenizer',
      requestedMaxTokens: 64000,
      slotContext: 8192,
    });
    assert.equal(!exact.fits && exact.message, 'prompt is too long: 8000 tokens > 7168 maximum');
    const small = decideMaxTokens({
      promptTokens: 8000,
      source: 'tokenizer',
      requestedMaxTokens: 50,
      slotContext: 8192,
    });
    assert.deepEqual(small, { fits: true, maxTokens: 50, clamped: false });
    const refused = decideMaxTokens({
      promptTokens: 9000,
      source: 'tokenizer',
      requestedMaxTokens: 10,
      slotContext: 8192,
    });
    assert.equal(!refused.fits && refused.message, 'prompt is too long: 9000 tokens > 8192 maximum');
  });
});

describe('response cache', () => {
  it('only caches temperature-0 non-streaming requests', () => {
    assert.equal(ResponseCache.cacheable({ temperature: 0 }), true);
    assert.equal(ResponseCache.cacheable({ temperature: 0, stream: true }), false);
    assert.equal(ResponseCache.cacheable({}), false);
  });

  it('evicts the least recently used entry and expires by TTL', () => {
    let now = 0;
    const c = new ResponseCache({ maxEntries: 2, maxBytes: 1000, ttlMs: 100 }, () => now);
    c.set('a', '1');
    c.set('b', '2');
    c.get('a');
    c.set('c', '3');
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), '1');
    now = 200;
    assert.equal(c.get('a'), undefined);
  });
});

describe('upstreams from a Plan', () => {
  const plan: Plan = {
    version: 1,
    deployment: 'd',
    sourceDir: '/tmp',
    engines: [
      {
        engine: 'llama.cpp',
        name: 'coder',
        aliases: ['c'],
        contextLength: 32768,
        parallel: 4,
        model: '/m.gguf',
        gpus: [],
        args: ['--mmproj', 'p.gguf'],
        port: 8001,
        host: '0.0.0.0',
        healthTimeoutS: 1,
      },
      {
        engine: 'vllm',
        name: 'big',
        aliases: [],
        contextLength: 65536,
        parallel: 8,
        model: '/m',
        gpus: 'all',
        args: [],
        port: 8002,
        host: '127.0.0.1',
        healthTimeoutS: 1,
        servedModelName: 'Qwen/Qwen3',
        gpuMemoryUtilization: 0.9,
      },
      {
        engine: 'external',
        name: 'cloud',
        aliases: [],
        contextLength: 200000,
        parallel: 16,
        baseUrl: 'https://api.example.com/v1/',
        apiKeyEnv: 'CLOUD_KEY',
        upstreamModel: 'gpt-x',
      },
    ],
  };

  it('derives URLs, served model names, vision and location, reading keys from the given env', () => {
    const [coder, big, cloud] = upstreamsFromPlan(plan, { CLOUD_KEY: 'sk-1' });
    assert.equal(coder!.baseUrl, 'http://127.0.0.1:8001/v1');
    assert.equal(coder!.vision, true);
    assert.equal(big!.upstreamModel, 'Qwen/Qwen3');
    assert.deepEqual(
      { url: cloud!.baseUrl, key: cloud!.apiKey, model: cloud!.upstreamModel, where: cloud!.location },
      { url: 'https://api.example.com/v1', key: 'sk-1', model: 'gpt-x', where: 'cloud' },
    );
  });

  it('says which variable is missing', () => {
    assert.throws(() => upstreamsFromPlan(plan, {}), /CLOUD_KEY/);
  });
});

describe('safety and upstream errors', () => {
  it('refuses a non-loopback bind without API keys', () => {
    assert.throws(() => assertSafeBind('0.0.0.0', []), /without API keys/);
    assert.doesNotThrow(() => assertSafeBind('0.0.0.0', ['k']));
    assert.doesNotThrow(() => assertSafeBind('127.0.0.1', []));
    assert.doesNotThrow(() => assertSafeBind('::1', []));
  });

  it("turns llama.cpp's context error into Anthropic's wording and 503 into overloaded", () => {
    const body = JSON.stringify({
      error: {
        code: 400,
        message: 'exceeds',
        type: 'exceed_context_size_error',
        n_prompt_tokens: 9000,
        n_ctx: 8192,
      },
    });
    assert.equal(upstreamFailure('u', 400, body).message, 'prompt is too long: 9000 tokens > 8192 maximum');
    assert.equal(upstreamFailure('u', 503, '{"error":{"message":"Loading model"}}').kind, 'overloaded');
    assert.equal(upstreamFailure('u', 429, '', '120').retryAfterS, 60);
    assert.equal(upstreamFailure('u', 500, 'oops').kind, 'upstream');
  });
});
