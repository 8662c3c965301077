import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkAnthropicStream } from './anthropic-stream-checker.js';
import { type GatewayFixture, startFixture } from './gateway-fixture.js';
import type { ScriptedReply } from './scripted-openai-upstream.js';

/** The real SDKs against the gateway; every Anthropic stream they read is also run through the checker. */
describe('real SDK clients against the gateway', () => {
  let fx: GatewayFixture;
  let anthropic: Anthropic;
  let openai: OpenAI;
  const next: ScriptedReply[] = [];
  const streamChecks: Promise<void>[] = [];

  const checkingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      streamChecks.push(
        res
          .clone()
          .text()
          .then((text) => void checkAnthropicStream(text)),
      );
    }
    return res;
  };

  beforeAll(async () => {
    fx = await startFixture((body) => {
      const reply = next.shift();
      if (reply) return reply;
      // Default: answer a tool result with the text it received, otherwise call the first tool offered.
      const last = body.messages.at(-1);
      if (last.role === 'tool') return { text: `result was ${last.content}` };
      if (body.tools?.length && body.tool_choice !== 'none') {
        return {
          text: 'Checking.',
          toolCalls: [{ id: 'call_w', name: body.tools[0].function.name, arguments: '{"city":"Paris"}' }],
        };
      }
      return { text: 'Hello!' };
    });
    anthropic = new Anthropic({ baseURL: fx.url, apiKey: 'test', fetch: checkingFetch, maxRetries: 0 });
    openai = new OpenAI({ baseURL: `${fx.url}/v1`, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(async () => {
    await Promise.all(streamChecks);
    await fx.close();
  });

  const lastUpstreamBody = () =>
    fx.upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body;
  const weather = [
    {
      name: 'get_weather',
      description: 'weather',
      input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
    },
  ];

  it('Anthropic: non-streaming text', async () => {
    const m = await anthropic.messages.create({
      model: 'claude-sonnet-x',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.deepEqual(m.content, [{ type: 'text', text: 'Hello!' }]);
    assert.equal(m.stop_reason, 'end_turn');
    assert.deepEqual(m.usage.output_tokens, 7);
    assert.equal(lastUpstreamBody().model, 'coder-gguf');
  });

  it('Anthropic: streaming text with final usage', async () => {
    const m = await anthropic.messages
      .stream({ model: 'quality', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    assert.deepEqual(m.content, [{ type: 'text', text: 'Hello!' }]);
    assert.deepEqual([m.usage.input_tokens, m.usage.output_tokens], [11, 7]);
    assert.deepEqual(lastUpstreamBody().stream_options, { include_usage: true });
  });

  it('Anthropic: tool_use → tool_result → answer, streamed', async () => {
    const params = { model: 'claude-opus-x', max_tokens: 200, tools: weather };
    const first = await anthropic.messages
      .stream({ ...params, messages: [{ role: 'user', content: 'weather?' }] })
      .finalMessage();
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use')!;
    assert.deepEqual(use, { type: 'tool_use', id: 'call_w', name: 'get_weather', input: { city: 'Paris' } });
    const second = await anthropic.messages
      .stream({
        ...params,
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
        ],
      })
      .finalMessage();
    assert.deepEqual(second.content, [{ type: 'text', text: 'result was sunny' }]);
    const sent = lastUpstreamBody().messages;
    assert.deepEqual(sent.at(-1), { role: 'tool', tool_call_id: 'call_w', content: 'sunny' });
    assert.equal(sent.at(-2).tool_calls[0].function.arguments, '{"city":"Paris"}');
  });

  it('Anthropic: tool_choice any / tool / none reach the upstream as required / function / none', async () => {
    const ask = (tool_choice: Anthropic.ToolChoice) =>
      anthropic.messages.create({
        model: 'quality',
        max_tokens: 20,
        tools: weather,
        tool_choice,
        messages: [{ role: 'user', content: 'x' }],
      });
    await ask({ type: 'any' });
    assert.equal(lastUpstreamBody().tool_choice, 'required');
    await ask({ type: 'tool', name: 'get_weather' });
    assert.deepEqual(lastUpstreamBody().tool_choice, { type: 'function', function: { name: 'get_weather' } });
    const none = await ask({ type: 'none' });
    assert.equal(lastUpstreamBody().tool_choice, 'none');
    assert.equal(none.stop_reason, 'end_turn');
  });

  it('Anthropic: stop_sequences and system blocks', async () => {
    next.push({ text: 'one two', stopReason: 'END' });
    const m = await anthropic.messages.create({
      model: 'quality',
      max_tokens: 20,
      stop_sequences: ['END'],
      system: [
        { type: 'text', text: 'x-anthropic-billing-header: cc_version=1; cch=123;' },
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
      ],
      messages: [{ role: 'user', content: 'count' }],
    });
    assert.equal(m.stop_reason, 'stop_sequence');
    assert.equal(m.stop_sequence, 'END');
    const body = lastUpstreamBody();
    assert.deepEqual(body.stop, ['END']);
    assert.deepEqual(body.messages[0], { role: 'system', content: 'You are terse.' });
  });

  it('Anthropic: max_tokens reached', async () => {
    next.push({ text: 'trunc', finishReason: 'length' });
    const m = await anthropic.messages
      .stream({ model: 'quality', max_tokens: 3, messages: [{ role: 'user', content: 'x' }] })
      .finalMessage();
    assert.equal(m.stop_reason, 'max_tokens');
  });

  it('Anthropic: count_tokens uses the upstream tokenizer', async () => {
    const r = await anthropic.messages.countTokens({
      model: 'claude-sonnet-x',
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    // The scripted tokenizer gives one token per 4 characters, plus 5 template tokens per message.
    assert.equal(r.input_tokens, 105);
  });

  it('OpenAI: non-streaming, streaming with include_usage, and tool calls', async () => {
    const c = await openai.chat.completions.create({
      model: 'quality',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(c.choices[0]!.message.content, 'Hello!');
    const chunks = [];
    const stream = await openai.chat.completions.create({
      model: 'coder',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const ch of stream) chunks.push(ch);
    assert.equal(chunks.map((ch) => ch.choices[0]?.delta.content ?? '').join(''), 'Hello!');
    assert.equal(chunks.at(-1)!.usage!.completion_tokens, 7);
    const tools = await openai.chat.completions.create({
      model: 'quality',
      messages: [{ role: 'user', content: 'weather' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    assert.equal(tools.choices[0]!.message.tool_calls![0]!.type, 'function');
    assert.equal(tools.choices[0]!.finish_reason, 'tool_calls');
  });

  it('OpenAI: a stream without include_usage does not show the usage chunk, but usage is recorded', async () => {
    const before = fx.usage.length;
    const stream = await openai.chat.completions.create({
      model: 'quality',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const chunks = [];
    for await (const ch of stream) chunks.push(ch);
    assert.ok(chunks.every((ch) => ch.choices.length === 1 && !ch.usage));
    const record = fx.usage[before]!;
    assert.deepEqual(
      {
        api: record.api,
        in: record.inputTokens,
        out: record.outputTokens,
        status: record.status,
        stream: record.stream,
      },
      { api: 'openai', in: 11, out: 7, status: 200, stream: true },
    );
    assert.ok(record.ttftMs !== null && record.ttftMs <= record.latencyMs);
  });

  it('OpenAI: an unknown model is a 404 the SDK raises as NotFoundError', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.NotFoundError,
    );
    await assert.rejects(
      anthropic.messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      Anthropic.NotFoundError,
    );
  });

  it('models list in both SDKs', async () => {
    const ids = (await openai.models.list()).data.map((m) => m.id);
    assert.deepEqual(ids.sort(), ['coder', 'quality']);
    const page = await anthropic.models.list();
    assert.deepEqual(page.data.map((m) => m.id).sort(), ['coder', 'quality']);
  });
});
