import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { withCachedPromptTokens } from '../../src/gateway/cached-prompt-tokens.js';
import { post, startFixture } from './gateway-fixture.js';

// The scripted upstream stands in for the engine's usage report: llama-server (build 11669, the Debian engine image)
// fills `prompt_tokens_details.cached_tokens` and `timings.cache_n` with the prompt tokens reused from the slot.
describe('usage records carry the cached part of the prompt', () => {
  for (const stream of [false, true]) {
    it(`OpenAI chat completions (${stream ? 'streamed' : 'whole'})`, async () => {
      const fx = await startFixture([{ text: 'ok', usage: { prompt: 1200, completion: 5, cached: 1000 } }]);
      try {
        const r = await post(`${fx.url}/v1/chat/completions`, {
          model: 'quality',
          stream,
          messages: [{ role: 'user', content: 'hi' }],
        });
        assert.equal(r.status, 200);
        await waitFor(() => fx.usage.length === 1);
        assert.deepEqual(
          [fx.usage[0]!.inputTokens, fx.usage[0]!.cacheReadTokens, fx.usage[0]!.outputTokens],
          [1200, 1000, 5],
        );
      } finally {
        await fx.close();
      }
    });

    it(`Anthropic messages served locally (${stream ? 'streamed' : 'whole'})`, async () => {
      const fx = await startFixture([{ text: 'ok', usage: { prompt: 1200, completion: 5, cached: 1000 } }]);
      try {
        const r = await post(`${fx.url}/v1/messages`, {
          model: 'claude-sonnet-4-5',
          max_tokens: 50,
          stream,
          messages: [{ role: 'user', content: 'hi' }],
        });
        assert.equal(r.status, 200);
        if (!stream) assert.equal(r.json().usage.cache_read_input_tokens, 1000);
        await waitFor(() => fx.usage.length === 1);
        // The whole prompt, and the part of it read from the engine's cache (a cache read in the cloud's terms).
        assert.deepEqual([fx.usage[0]!.inputTokens, fx.usage[0]!.cacheReadTokens], [1200, 1000]);
      } finally {
        await fx.close();
      }
    });
  }

  it('reads llama-server’s timings.cache_n when the usage has no cached_tokens, never above the prompt', () => {
    const usage = { prompt_tokens: 300, completion_tokens: 2 };
    assert.equal(withCachedPromptTokens(usage, { cache_n: 256 })?.prompt_tokens_details?.cached_tokens, 256);
    assert.equal(withCachedPromptTokens(usage, { cache_n: 999 })?.prompt_tokens_details?.cached_tokens, 300);
    assert.equal(withCachedPromptTokens(usage, {})?.prompt_tokens_details, undefined);
    const both = { ...usage, prompt_tokens_details: { cached_tokens: 100 } };
    assert.equal(withCachedPromptTokens(both, { cache_n: 256 })?.prompt_tokens_details?.cached_tokens, 100);
  });
});

async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting for the usage record');
    await new Promise((r) => setTimeout(r, 10));
  }
}
