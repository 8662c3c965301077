import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { chatCompletionToMessage, toStopReason } from '../../src/gateway/anthropic/from-openai.js';
import {
  messagesToChatRequest,
  parseMessagesRequest,
  systemText,
} from '../../src/gateway/anthropic/to-openai.js';
import type { MessagesRequest } from '../../src/gateway/anthropic/types.js';
import { GatewayError } from '../../src/gateway/gateway-error.js';

const opts = { upstreamModel: 'up-model', vision: false };
const req = (extra: Partial<MessagesRequest>): MessagesRequest => ({
  model: 'claude-sonnet-x',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

describe('Anthropic request → OpenAI chat request', () => {
  it('rewrites the model and maps sampling fields and stop_sequences → stop', () => {
    const out = messagesToChatRequest(
      req({ temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ['END', '###'], max_tokens: 77 }),
      opts,
    );
    assert.equal(out.model, 'up-model');
    assert.deepEqual(
      { t: out.temperature, p: out.top_p, k: out.top_k, stop: out.stop, max: out.max_tokens },
      { t: 0.2, p: 0.9, k: 40, stop: ['END', '###'], max: 77 },
    );
    assert.equal(out.stream, undefined);
  });

  it('asks for usage on streams', () => {
    const out = messagesToChatRequest(req({ stream: true }), opts);
    assert.deepEqual(out.stream_options, { include_usage: true });
  });

  it('takes system as a string or as text blocks, dropping the billing header block', () => {
    assert.equal(systemText('be brief'), 'be brief');
    const blocks = [
      { type: 'text' as const, text: 'x-anthropic-billing-header: cc_version=2.1; cch=abc;' },
      { type: 'text' as const, text: 'You are helpful.' },
      { type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' } },
    ];
    const out = messagesToChatRequest(req({ system: blocks }), opts);
    assert.deepEqual(out.messages[0], { role: 'system', content: 'You are helpful.\n\nBe brief.' });
    assert.equal(JSON.stringify(out).includes('billing'), false);
  });

  it('maps tools and every tool_choice', () => {
    const tools = [{ name: 'Write', description: 'writes', input_schema: { type: 'object' } }];
    const choice = (tool_choice: MessagesRequest['tool_choice']) =>
      messagesToChatRequest(req({ tools, tool_choice }), opts);
    assert.deepEqual(choice(undefined).tools, [
      {
        type: 'function',
        function: { name: 'Write', description: 'writes', parameters: { type: 'object' } },
      },
    ]);
    assert.equal(choice({ type: 'auto' }).tool_choice, 'auto');
    assert.equal(choice({ type: 'any' }).tool_choice, 'required');
    assert.equal(choice({ type: 'none' }).tool_choice, 'none');
    assert.deepEqual(choice({ type: 'tool', name: 'Write' }).tool_choice, {
      type: 'function',
      function: { name: 'Write' },
    });
    assert.equal(choice({ type: 'auto', disable_parallel_tool_use: true }).parallel_tool_calls, false);
  });

  it('drops server tools that have no input schema, and tool_choice without tools', () => {
    const out = messagesToChatRequest(
      req({ tools: [{ name: 'web_search', type: 'web_search_20250305' }], tool_choice: { type: 'none' } }),
      opts,
    );
    assert.equal(out.tools, undefined);
    assert.equal(out.tool_choice, undefined);
  });

  it('turns tool_use into tool_calls and tool_result into tool messages, in order', () => {
    const out = messagesToChatRequest(
      req({
        messages: [
          { role: 'user', content: 'write it' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking' },
              { type: 'text', text: 'Writing.' },
              { type: 'tool_use', id: 'toolu_1', name: 'Write', input: { file_path: 'a', content: 'b' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'ok' }] },
              { type: 'text', text: 'thanks' },
            ],
          },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'Bash', input: {} }] },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'boom', is_error: true }],
          },
        ],
      }),
      opts,
    );
    assert.deepEqual(out.messages, [
      { role: 'user', content: 'write it' },
      {
        role: 'assistant',
        content: 'Writing.',
        tool_calls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'Write', arguments: '{"file_path":"a","content":"b"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'ok' },
      { role: 'user', content: 'thanks' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'toolu_2', type: 'function', function: { name: 'Bash', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: boom' },
    ]);
  });

  it('drops thinking-only assistant turns and passes in-conversation system turns as reminders', () => {
    const out = messagesToChatRequest(
      req({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ type: 'redacted_thinking' }] },
          { role: 'system', content: 'Agents available: x' },
        ],
      }),
      opts,
    );
    assert.deepEqual(out.messages, [
      { role: 'user', content: 'a' },
      { role: 'user', content: '<system-reminder>\nAgents available: x\n</system-reminder>' },
    ]);
  });

  it('gives a text-only model a note in place of an image, PDF or tool-result image; a vision model gets the image', () => {
    const image = {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: 'what is this' },
        {
          type: 'image' as const,
          source: { type: 'base64' as const, media_type: 'image/png', data: 'A'.repeat(4096) },
        },
      ],
    };
    const out = messagesToChatRequest(req({ messages: [image] }), opts);
    assert.deepEqual(out.messages[0], {
      role: 'user',
      content:
        'what is this\n[image (image/png of about 3 KB) omitted by the ops gateway: this model reads text only; it cannot be shown to you]',
    });
    const vision = messagesToChatRequest(req({ messages: [image] }), { ...opts, vision: true });
    assert.deepEqual(vision.messages[0], {
      role: 'user',
      content: [
        { type: 'text', text: 'what is this' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(4096)}` } },
      ],
    });
    const pdf = {
      role: 'user' as const,
      content: [
        {
          type: 'document' as const,
          source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' },
        },
        {
          type: 'document' as const,
          source: { type: 'content', content: [{ type: 'text', text: 'page 1' }] },
        },
      ],
    };
    for (const vision of [false, true]) {
      const m = messagesToChatRequest(req({ messages: [pdf] }), { ...opts, vision }).messages[0];
      assert.match(
        String(m?.content),
        /^\[document \(application\/pdf of about 1 KB\) omitted by the ops gateway.*\]\npage 1$/,
      );
    }
    const toolImage = [
      {
        role: 'assistant' as const,
        content: [{ type: 'tool_use' as const, id: 't1', name: 'Read', input: {} }],
      },
      {
        role: 'user' as const,
        content: [
          {
            type: 'tool_result' as const,
            tool_use_id: 't1',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }],
          },
        ],
      },
    ];
    const t = messagesToChatRequest(req({ messages: toolImage }), opts).messages[1];
    assert.equal(t?.role, 'tool');
    assert.match(String(t?.content), /^\[image \(image\/png of about 1 KB\) omitted .*reads text only/);
  });

  it('rejects malformed requests with a field path', () => {
    const bad = (body: unknown, pattern: RegExp) =>
      assert.throws(
        () => parseMessagesRequest(body),
        (e: unknown) => e instanceof GatewayError && pattern.test(e.message),
      );
    bad(null, /JSON object/);
    bad({ messages: [], max_tokens: 1 }, /^model/);
    bad({ model: 'm', max_tokens: 1 }, /^messages/);
    bad({ model: 'm', messages: [] }, /^max_tokens/);
    bad({ model: 'm', max_tokens: 1, messages: [{ role: 'tool', content: 'x' }] }, /messages\.0\.role/);
  });
});

describe('OpenAI completion → Anthropic message', () => {
  const completion = (message: object, finish_reason: string, extra: object = {}) => ({
    id: 'c',
    object: 'chat.completion' as const,
    model: 'up',
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: null, ...message },
        finish_reason,
        ...extra,
      },
    ],
    usage: { prompt_tokens: 30, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 10 } },
  });

  it('maps text, tool calls, usage with cache reads, and drops reasoning', () => {
    const m = chatCompletionToMessage(
      completion(
        {
          content: 'Sure.',
          reasoning_content: 'hmm',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'Write', arguments: '{"a":1}' } }],
        },
        'tool_calls',
      ),
      'claude-x',
      3,
    );
    assert.equal(m.model, 'claude-x');
    assert.match(m.id, /^msg_/);
    assert.deepEqual(m.content, [
      { type: 'text', text: 'Sure.' },
      { type: 'tool_use', id: 'call_1', name: 'Write', input: { a: 1 } },
    ]);
    assert.equal(m.stop_reason, 'tool_use');
    assert.deepEqual(m.usage, { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 10 });
  });

  it('keeps invalid tool JSON under _raw instead of failing', () => {
    const m = chatCompletionToMessage(
      completion(
        { tool_calls: [{ id: 'x', type: 'function', function: { name: 'W', arguments: '{oops' } }] },
        'tool_calls',
      ),
      'm',
      1,
    );
    assert.deepEqual((m.content[0] as { input: unknown }).input, { _raw: '{oops' });
  });

  it('maps every finish reason to a stop reason', () => {
    assert.deepEqual(toStopReason('stop', null, false), { stopReason: 'end_turn', stopSequence: null });
    assert.deepEqual(toStopReason('length', null, false), { stopReason: 'max_tokens', stopSequence: null });
    // A tool_calls finish with no call left to run ends the turn: tool_use would wait for results forever.
    assert.deepEqual(toStopReason('tool_calls', null, false), { stopReason: 'end_turn', stopSequence: null });
    assert.deepEqual(toStopReason('length', null, true), { stopReason: 'max_tokens', stopSequence: null });
    assert.deepEqual(toStopReason('stop', null, true), { stopReason: 'tool_use', stopSequence: null });
    assert.deepEqual(toStopReason('stop', 'END', false), {
      stopReason: 'stop_sequence',
      stopSequence: 'END',
    });
    assert.deepEqual(toStopReason('stop', 128001, false), { stopReason: 'end_turn', stopSequence: null });
  });
});
