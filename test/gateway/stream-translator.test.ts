import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { AnthropicStreamTranslator } from '../../src/gateway/anthropic/stream-translator.js';
import { GatewayError } from '../../src/gateway/gateway-error.js';
import type { ChatCompletionChunk } from '../../src/gateway/openai/types.js';
import { SseParser } from '../../src/gateway/sse-parser.js';
import { checkAnthropicStream } from './anthropic-stream-checker.js';

type Delta = NonNullable<ChatCompletionChunk['choices']>[number]['delta'];
const chunk = (delta: Delta, finish_reason: string | null = null): ChatCompletionChunk => ({
  choices: [{ index: 0, delta, finish_reason }],
});
const tool = (index: number, fn: { name?: string; arguments?: string }, id?: string): Delta => ({
  tool_calls: [{ index, ...(id ? { id } : {}), function: fn }],
});

function translate(chunks: ChatCompletionChunk[], end: 'finish' | 'fail' = 'finish') {
  let text = '';
  const t = new AnthropicStreamTranslator((f) => (text += f), 'claude-x', 42);
  for (const c of chunks) t.chunk(c);
  if (end === 'finish') t.finish();
  else t.fail(new GatewayError('upstream', 'upstream died'));
  return checkAnthropicStream(text);
}

describe('OpenAI chunks → Anthropic stream events', () => {
  it('text then two tool calls: contiguous blocks, input_json_delta, tool_use stop, real usage', () => {
    const s = translate([
      chunk({ role: 'assistant', content: '' }),
      chunk({ reasoning_content: 'thinking…' }),
      chunk({ content: 'Let me ' }),
      chunk({ content: 'look.' }),
      chunk(tool(0, { name: 'Read', arguments: '' }, 'call_a')),
      chunk(tool(0, { arguments: '{"file_path":' })),
      chunk(tool(0, { arguments: '"x"}' })),
      chunk(tool(1, { name: 'Bash', arguments: '{"command":"ls"}' }, 'call_b')),
      chunk({}, 'tool_calls'),
      { choices: [], usage: { prompt_tokens: 50, completion_tokens: 9 } },
    ]);
    assert.deepEqual(s.content, [
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'call_a', name: 'Read', input: { file_path: 'x' } },
      { type: 'tool_use', id: 'call_b', name: 'Bash', input: { command: 'ls' } },
    ]);
    assert.equal(s.stopReason, 'tool_use');
    assert.equal(s.usage.output_tokens, 9);
    assert.equal(s.usage.input_tokens, 50);
    assert.equal(s.events[0]!.data.message.usage.input_tokens, 42);
  });

  it('waits for a tool name that arrives after the id, and names tool ids that are missing', () => {
    const s = translate([
      chunk(tool(0, { arguments: '{"a"' }, 'call_z')),
      chunk(tool(0, { name: 'Late', arguments: ':1}' })),
      chunk({}, 'stop'),
    ]);
    assert.deepEqual(s.content, [{ type: 'tool_use', id: 'call_z', name: 'Late', input: { a: 1 } }]);
    const unnamed = translate([chunk(tool(0, { name: 'T', arguments: '{}' })), chunk({}, 'tool_calls')]);
    assert.match(unnamed.content[0].id, /^toolu_/);
  });

  it('text after a tool call is shown first: tool calls are sent whole once the answer has ended', () => {
    const s = translate([
      chunk(tool(0, { name: 'T', arguments: '{}' }, 'c')),
      chunk({ content: 'after' }),
      chunk({}, 'stop'),
    ]);
    assert.deepEqual(
      s.content.map((b) => b.type),
      ['text', 'tool_use'],
    );
  });

  it('maps length → max_tokens, a matched stop string → stop_sequence, and estimates usage when none came', () => {
    assert.equal(translate([chunk({ content: 'abc' }, 'length')]).stopReason, 'max_tokens');
    const s = translate([
      chunk({ content: 'abcdefgh' }),
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop', stop_reason: 'END' }] },
    ]);
    assert.equal(s.stopReason, 'stop_sequence');
    assert.equal(s.stopSequence, 'END');
    assert.equal(s.usage.output_tokens, 2);
  });

  it('an empty answer is still a well-formed stream', () => {
    const s = translate([chunk({}, 'stop')]);
    assert.deepEqual(s.content, []);
    assert.equal(s.stopReason, 'end_turn');
  });

  it('a failure mid-block ends the stream with an Anthropic error event', () => {
    const s = translate([chunk({ content: 'partial' })], 'fail');
    assert.deepEqual(s.error, { type: 'error', error: { type: 'api_error', message: 'upstream died' } });
  });

  it('reports an in-stream upstream error', () => {
    const t = new AnthropicStreamTranslator(() => {}, 'm', 1);
    assert.equal(t.chunk({ error: { message: 'kv cache full' } }), 'kv cache full');
  });
});

describe('SSE parser', () => {
  it('splits events across arbitrary chunk boundaries, CRLF, comments and llama.cpp error fields', () => {
    const text =
      ': comment\r\ndata: {"a":1}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata: [DONE]\n\nerror: {"e":1}\n\n';
    for (const size of [1, 3, 7, text.length]) {
      const p = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...p.feed(text.slice(i, i + size)));
      events.push(...p.flush());
      assert.deepEqual(events, [
        { event: undefined, data: '{"a":1}' },
        { event: 'x', data: 'line1\nline2' },
        { event: undefined, data: '[DONE]' },
        { event: 'error', data: '{"e":1}' },
      ]);
    }
  });

  it('flushes an event that was not terminated by a blank line', () => {
    const p = new SseParser();
    assert.deepEqual(p.feed('data: tail'), []);
    assert.deepEqual(p.flush(), [{ event: undefined, data: 'tail' }]);
  });
});
