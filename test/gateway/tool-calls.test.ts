import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { chatCompletionToMessage } from '../../src/gateway/anthropic/from-openai.js';
import { AnthropicStreamTranslator } from '../../src/gateway/anthropic/stream-translator.js';
import { parseToolArguments } from '../../src/gateway/anthropic/tool-arguments.js';
import type { ChatCompletionChunk, ChatTool } from '../../src/gateway/openai/types.js';
import { checkAnthropicStream } from './anthropic-stream-checker.js';

type Fragment = { index?: number; id?: string; function?: { name?: string; arguments?: unknown } };

const TOOLS: ChatTool[] = [
  {
    type: 'function',
    function: {
      name: 'Write',
      parameters: {
        type: 'object',
        properties: { file_path: { type: 'string' }, content: { type: 'string' } },
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'Bash',
      parameters: {
        type: 'object',
        properties: { command: { type: 'string' }, timeout: { type: 'number' } },
      },
    },
  },
];

interface Case {
  name: string;
  /** Streamed: text pieces and tool-call fragments, in order. */
  stream: ({ text: string } | { frag: Fragment })[];
  /** The same answer sent complete. */
  complete: {
    content: string | null;
    tool_calls?: { id?: string; function: { name: string; arguments: unknown } }[];
  };
  finish: string;
  tools?: ChatTool[];
  /** Expected content, ids of generated calls replaced by `*`. */
  want: object[];
  stop: string;
}

const w = (file_path: string, content = 'x') => ({ file_path, content });
const use = (id: string, name: string, input: object) => ({ type: 'tool_use', id, name, input });
/** Splits text into 3-character pieces, so markers fall across chunk boundaries. */
const pieces = (text: string) =>
  Array.from({ length: Math.ceil(text.length / 3) }, (_, i) => ({ text: text.slice(i * 3, i * 3 + 3) }));

const CASES: Case[] = [
  {
    name: 'parallel calls reusing index 0 with new ids (Ollama) stay two calls',
    stream: [
      { frag: { index: 0, id: 'a', function: { name: 'Write', arguments: JSON.stringify(w('a')) } } },
      { frag: { index: 0, id: 'b', function: { name: 'Write', arguments: JSON.stringify(w('b')) } } },
    ],
    complete: {
      content: null,
      tool_calls: [
        { id: 'a', function: { name: 'Write', arguments: JSON.stringify(w('a')) } },
        { id: 'b', function: { name: 'Write', arguments: JSON.stringify(w('b')) } },
      ],
    },
    finish: 'tool_calls',
    want: [use('a', 'Write', w('a')), use('b', 'Write', w('b'))],
    stop: 'tool_use',
  },
  {
    name: 'interleaved fragments of two calls, one arriving before its header',
    stream: [
      { frag: { index: 0, id: 'a', function: { name: 'Write', arguments: '{"file_path":' } } },
      { frag: { index: 1, function: { arguments: '{"command":' } } },
      { frag: { index: 0, function: { arguments: '"a","content":"x"}' } } },
      { frag: { index: 1, id: 'b', function: { name: 'Bash', arguments: '"ls"}' } } },
    ],
    complete: {
      content: null,
      tool_calls: [
        { id: 'a', function: { name: 'Write', arguments: JSON.stringify(w('a')) } },
        { id: 'b', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
      ],
    },
    finish: 'tool_calls',
    want: [use('a', 'Write', w('a')), use('b', 'Bash', { command: 'ls' })],
    stop: 'tool_use',
  },
  {
    name: 'arguments sent as an object',
    stream: [{ frag: { index: 0, id: 'a', function: { name: 'Bash', arguments: { command: 'ls' } } } }],
    complete: {
      content: null,
      tool_calls: [{ id: 'a', function: { name: 'Bash', arguments: { command: 'ls' } } }],
    },
    finish: 'tool_calls',
    want: [use('a', 'Bash', { command: 'ls' })],
    stop: 'tool_use',
  },
  {
    name: 'a call cut by the output limit is max_tokens, not run',
    stream: [
      { text: 'Writing.' },
      { frag: { index: 0, id: 'a', function: { name: 'Write', arguments: '{"file_path":"a","cont' } } },
    ],
    complete: {
      content: 'Writing.',
      tool_calls: [{ id: 'a', function: { name: 'Write', arguments: '{"file_path":"a","cont' } }],
    },
    finish: 'length',
    want: [{ type: 'text', text: 'Writing.\n[tool call Write cut off at the output token limit; not run]' }],
    stop: 'max_tokens',
  },
  {
    name: 'unambiguous repairs: double-encoded object, code fence, empty arguments',
    stream: [
      {
        frag: {
          index: 0,
          id: 'a',
          function: { name: 'Bash', arguments: JSON.stringify('{"command":"ls"}') },
        },
      },
      {
        frag: { index: 1, id: 'b', function: { name: 'Bash', arguments: '```json\n{"command":"pwd"}\n```' } },
      },
      { frag: { index: 2, id: 'c', function: { name: 'Bash', arguments: '' } } },
    ],
    complete: {
      content: null,
      tool_calls: [
        { id: 'a', function: { name: 'Bash', arguments: JSON.stringify('{"command":"ls"}') } },
        { id: 'b', function: { name: 'Bash', arguments: '```json\n{"command":"pwd"}\n```' } },
        { id: 'c', function: { name: 'Bash', arguments: '' } },
      ],
    },
    finish: 'tool_calls',
    want: [use('a', 'Bash', { command: 'ls' }), use('b', 'Bash', { command: 'pwd' }), use('c', 'Bash', {})],
    stop: 'tool_use',
  },
  {
    name: 'ambiguous arguments are not guessed at: kept under _raw',
    stream: [{ frag: { index: 0, id: 'a', function: { name: 'Bash', arguments: '{"command":"ls"' } } }],
    complete: {
      content: null,
      tool_calls: [{ id: 'a', function: { name: 'Bash', arguments: '{"command":"ls"' } }],
    },
    finish: 'tool_calls',
    want: [use('a', 'Bash', { _raw: '{"command":"ls"' })],
    stop: 'tool_use',
  },
  {
    name: 'Hermes/Qwen <tool_call> text after some prose, split across chunks',
    stream: pieces(
      'Let me write it.\n<tool_call>\n{"name": "Write", "arguments": {"file_path": "a", "content": "x"}}\n</tool_call>',
    ),
    complete: {
      content:
        'Let me write it.\n<tool_call>\n{"name": "Write", "arguments": {"file_path": "a", "content": "x"}}\n</tool_call>',
    },
    finish: 'stop',
    want: [{ type: 'text', text: 'Let me write it.' }, use('*', 'Write', w('a'))],
    stop: 'tool_use',
  },
  {
    name: 'two <tool_call> blocks, the last unclosed (generation stopped at the end token)',
    stream: pieces(
      '<tool_call>{"name":"Bash","arguments":{"command":"ls"}}</tool_call>\n<tool_call>{"name":"Bash","arguments":{"command":"pwd"}}',
    ),
    complete: {
      content:
        '<tool_call>{"name":"Bash","arguments":{"command":"ls"}}</tool_call>\n<tool_call>{"name":"Bash","arguments":{"command":"pwd"}}',
    },
    finish: 'stop',
    want: [use('*', 'Bash', { command: 'ls' }), use('*', 'Bash', { command: 'pwd' })],
    stop: 'tool_use',
  },
  {
    name: "Qwen3-Coder's <function=…><parameter=…> form, typed by the tool's schema",
    stream: pieces(
      '<tool_call>\n<function=Bash>\n<parameter=command>\necho 1\n</parameter>\n<parameter=timeout>\n30\n</parameter>\n</function>\n</tool_call>',
    ),
    complete: {
      content:
        '<tool_call>\n<function=Bash>\n<parameter=command>\necho 1\n</parameter>\n<parameter=timeout>\n30\n</parameter>\n</function>\n</tool_call>',
    },
    finish: 'stop',
    want: [use('*', 'Bash', { command: 'echo 1', timeout: 30 })],
    stop: 'tool_use',
  },
  {
    name: 'Mistral [TOOL_CALLS] JSON array',
    stream: pieces(
      '[TOOL_CALLS][{"name":"Bash","arguments":{"command":"ls"}},{"name":"Write","arguments":{"file_path":"a","content":"x"}}]',
    ),
    complete: {
      content:
        '[TOOL_CALLS][{"name":"Bash","arguments":{"command":"ls"}},{"name":"Write","arguments":{"file_path":"a","content":"x"}}]',
    },
    finish: 'stop',
    want: [use('*', 'Bash', { command: 'ls' }), use('*', 'Write', w('a'))],
    stop: 'tool_use',
  },
  {
    name: 'Mistral v11 [TOOL_CALLS]NAME[ARGS]{…}',
    stream: pieces('[TOOL_CALLS]Bash[ARGS]{"command":"ls"}[TOOL_CALLS]Bash[ARGS]{"command":"pwd"}'),
    complete: { content: '[TOOL_CALLS]Bash[ARGS]{"command":"ls"}[TOOL_CALLS]Bash[ARGS]{"command":"pwd"}' },
    finish: 'stop',
    want: [use('*', 'Bash', { command: 'ls' }), use('*', 'Bash', { command: 'pwd' })],
    stop: 'tool_use',
  },
  {
    name: 'a text-form call to a tool that was not offered stays text',
    stream: pieces('<tool_call>{"name":"Delete","arguments":{}}</tool_call>'),
    complete: { content: '<tool_call>{"name":"Delete","arguments":{}}</tool_call>' },
    finish: 'stop',
    want: [{ type: 'text', text: '<tool_call>{"name":"Delete","arguments":{}}</tool_call>' }],
    stop: 'end_turn',
  },
  {
    name: 'without tools offered, tool-call text is just text',
    stream: pieces('<tool_call>{"name":"Bash","arguments":{}}</tool_call>'),
    complete: { content: '<tool_call>{"name":"Bash","arguments":{}}</tool_call>' },
    finish: 'stop',
    tools: [],
    want: [{ type: 'text', text: '<tool_call>{"name":"Bash","arguments":{}}</tool_call>' }],
    stop: 'end_turn',
  },
  {
    name: 'a text-form call cut by the limit is max_tokens, not run',
    stream: pieces('<tool_call>{"name":"Bash","arguments":{"command":"ls"}}'),
    complete: { content: '<tool_call>{"name":"Bash","arguments":{"command":"ls"}}' },
    finish: 'length',
    want: [{ type: 'text', text: '[tool call Bash cut off at the output token limit; not run]' }],
    stop: 'max_tokens',
  },
  {
    name: 'text that merely ends like a marker is released at the end',
    stream: pieces('compare a [TOOL'),
    complete: { content: 'compare a [TOOL' },
    finish: 'stop',
    want: [{ type: 'text', text: 'compare a [TOOL' }],
    stop: 'end_turn',
  },
];

function streamed(c: Case) {
  let frames = '';
  const tools = c.tools ?? TOOLS;
  const t = new AnthropicStreamTranslator(
    (f) => (frames += f),
    'claude-x',
    10,
    tools.length ? { tools } : {},
  );
  const chunk = (delta: object, finish_reason: string | null = null): ChatCompletionChunk =>
    ({ choices: [{ index: 0, delta, finish_reason }] }) as ChatCompletionChunk;
  for (const s of c.stream)
    t.chunk('text' in s ? chunk({ content: s.text }) : chunk({ tool_calls: [s.frag] }));
  t.chunk(chunk({}, c.finish));
  t.finish();
  const s = checkAnthropicStream(frames);
  return { content: s.content, stop: s.stopReason };
}

function complete(c: Case) {
  const tools = c.tools ?? TOOLS;
  const m = chatCompletionToMessage(
    {
      id: 'x',
      object: 'chat.completion',
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: c.complete.content,
            ...(c.complete.tool_calls
              ? { tool_calls: c.complete.tool_calls.map((t) => ({ type: 'function', ...t })) }
              : {}),
          } as never,
          finish_reason: c.finish,
        },
      ],
    },
    'claude-x',
    10,
    { tools: tools.length ? tools : undefined },
  );
  return { content: m.content, stop: m.stop_reason };
}

/** Generated ids (`toolu_…`) vary; they are compared as `*`. */
const normal = (content: object[]) =>
  content.map((b) => ('id' in b && String(b.id).startsWith('toolu_') ? { ...b, id: '*' } : b));

describe('tool calls, streamed and complete, settle the same way', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const s = streamed(c);
      const m = complete(c);
      assert.deepEqual(normal(s.content), c.want, 'streamed');
      assert.equal(s.stop, c.stop, 'streamed stop_reason');
      assert.deepEqual(normal(m.content), c.want, 'complete');
      assert.equal(m.stop, c.stop, 'complete stop_reason');
    });
  }

  it('no prose is streamed before a text-form call that starts mid-answer', () => {
    let frames = '';
    const t = new AnthropicStreamTranslator((f) => (frames += f), 'm', 1, { tools: TOOLS });
    for (const p of ['Ok.', ' <tool', '_call>{"name":"Bash",', '"arguments":{"command":"ls"}}']) {
      t.chunk({ choices: [{ index: 0, delta: { content: p }, finish_reason: null }] });
    }
    assert.ok(!frames.includes('tool_call'), frames);
    assert.ok(frames.includes('Ok.'));
  });
});

describe('parseToolArguments', () => {
  const table: [string, unknown][] = [
    ['', { ok: true, input: {} }],
    ['  {"a":1} ', { ok: true, input: { a: 1 } }],
    ['"{\\"a\\":1}"', { ok: true, input: { a: 1 } }],
    ['```\n{"a":1}\n```', { ok: true, input: { a: 1 } }],
    ['[1]', { ok: false, raw: '[1]' }],
    ['"text"', { ok: false, raw: '"text"' }],
    ['{"a":1', { ok: false, raw: '{"a":1' }],
    ['{"a":1}}', { ok: false, raw: '{"a":1}}' }],
  ];
  for (const [text, want] of table)
    it(JSON.stringify(text), () => assert.deepEqual(parseToolArguments(text), want));
});
