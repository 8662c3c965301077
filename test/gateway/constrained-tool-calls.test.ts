import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { forUpstream } from '../../src/gateway/constrained-tool-calls.js';
import type { ChatCompletionRequest, ChatTool } from '../../src/gateway/openai/types.js';
import { toolCallGrammar } from '../../src/gateway/tool-call-grammar.js';
import { upstreamsFromPlan } from '../../src/gateway/upstreams-from-plan.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { post, startFixture } from './gateway-fixture.js';

/** Claude Code's own tool schemas as it sends them (captured in eval/tools/). */
const claudeCodeTools: ChatTool[] = (
  JSON.parse(readFileSync('eval/tools/claude-code-tools.json', 'utf8')).tools as {
    name: string;
    description: string;
    input_schema: unknown;
  }[]
).map((t) => ({
  type: 'function',
  function: { name: t.name, description: t.description, parameters: t.input_schema },
}));

const constrained = { engine: 'llama.cpp' as const, toolCalls: 'constrained' as const };

function chat(extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return {
    model: 'coder',
    messages: [
      { role: 'system', content: 'You are Claude Code.' },
      { role: 'user', content: 'fix it' },
    ],
    tools: claudeCodeTools,
    ...extra,
  };
}

/** The grammar's rules by name. */
function rules(grammar: string): Map<string, string> {
  return new Map(
    grammar.split('\n').map((line) => {
      const at = line.indexOf(' ::= ');
      return [line.slice(0, at), line.slice(at + 5)] as [string, string];
    }),
  );
}

describe('constrained tool calls: the request a constrained llama.cpp entry gets', () => {
  it('moves the tools into the system prompt and holds the answer to a grammar of calls to them', () => {
    const wire = forUpstream(constrained, chat({ tool_choice: 'auto' }));
    assert.equal(wire.tools, undefined, 'llama-server refuses a grammar together with tools');
    assert.equal(wire.tool_choice, undefined);
    assert.equal(typeof wire.grammar, 'string');
    const system = String(wire.messages[0]!.content);
    assert.match(system, /^You are Claude Code\.\n\nYou may call these tools\./);
    for (const t of claudeCodeTools)
      assert.ok(system.includes(JSON.stringify(t.function.name)), t.function.name);
    assert.deepEqual(wire.messages.slice(1), chat().messages.slice(1));
    const r = rules(String(wire.grammar));
    // `auto`: a call or prose that does not start one; a forced choice: calls only.
    assert.equal(r.get('root'), 'calls | prose');
    assert.equal(
      forUpstream(constrained, chat({ tool_choice: 'required' }))
        .grammar?.toString()
        .includes('prose'),
      false,
    );
  });

  it('a named tool choice offers that tool alone; parallel_tool_calls: false allows one call', () => {
    const wire = forUpstream(
      constrained,
      chat({ tool_choice: { type: 'function', function: { name: 'Write' } }, parallel_tool_calls: false }),
    );
    const r = rules(String(wire.grammar));
    assert.equal(r.get('root'), 'calls');
    assert.equal(r.get('calls'), 'call');
    assert.match(r.get('call')!, /"\{\\"name\\": \\"Write\\", \\"arguments\\": " tool0-args "\}"/);
    assert.doesNotMatch(r.get('call')!, /Read|Bash|Edit/);
    assert.doesNotMatch(String(wire.messages[0]!.content), /"Read"/);
  });

  it('leaves native entries, other engines, tool-less requests and tool_choice none alone', () => {
    const c = chat();
    assert.equal(forUpstream({ engine: 'llama.cpp' }, c), c);
    assert.equal(forUpstream({ engine: 'llama.cpp', toolCalls: 'native' }, c), c);
    assert.equal(forUpstream({ engine: 'vllm', toolCalls: 'constrained' }, c), c);
    const none = chat({ tool_choice: 'none' });
    assert.equal(forUpstream(constrained, none), none);
    const bare = chat({ tools: undefined });
    assert.equal(forUpstream(constrained, bare), bare);
  });

  it('adds a system message when the conversation has none', () => {
    const wire = forUpstream(constrained, chat({ messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(wire.messages[0]!.role, 'system');
    assert.match(String(wire.messages[0]!.content), /^You may call these tools\./);
    assert.equal(wire.messages.length, 2);
  });
});

describe('constrained tool calls: the grammar', () => {
  it("writes each property of Claude Code's tools with its type; required ones always, optional ones maybe", () => {
    const r = rules(toolCallGrammar(claudeCodeTools, { forced: true, parallel: true }));
    const read = claudeCodeTools.findIndex((t) => t.function.name === 'Read');
    // file_path is required: the first property rule has no way around it.
    assert.equal(r.get(`tool${read}-args-0f`), `"\\"file_path\\": " string tool${read}-args-1c`);
    // offset (minimum 0, maximum 2^53-1) may be left out, and when written is a non-negative integer.
    assert.match(r.get(`tool${read}-args-1c`)!, / \| tool\d-args-2c$/);
    assert.equal(r.get(`tool${read}-args-1-offset`), '"0" | [1-9] [0-9]{0,14}');
    // limit has exclusiveMinimum 0: no zero.
    assert.equal(r.get(`tool${read}-args-2-limit`), '[1-9] [0-9]{0,14}');
    assert.equal(r.get('calls'), 'call ("\\n" call){0,3}');
    for (const [name, body] of r) {
      assert.match(name, /^[a-z0-9-]+$/, `rule name ${name}`);
      for (const ref of body.replace(/"(\\.|[^"\\])*"|\[(\\.|[^\]\\])*\]/g, ' ').match(/[a-z][a-z0-9-]*/g) ??
        [])
        assert.ok(r.has(ref), `${name} refers to ${ref}, which is not defined`);
    }
  });

  it('keeps integers inside their bounds, strings inside their lengths, and enums and consts exact', () => {
    const tool = (parameters: object): ChatTool[] => [
      { type: 'function', function: { name: 't', parameters } },
    ];
    const g = (properties: object) =>
      rules(
        toolCallGrammar(tool({ type: 'object', properties, required: Object.keys(properties) }), {
          forced: true,
          parallel: false,
        }),
      );
    assert.equal(
      g({ n: { type: 'integer', minimum: 0, maximum: 100 } }).get('tool0-args-0-n'),
      '"0" | [1-9] [0-9]{0,1}',
    );
    assert.equal(g({ n: { type: 'integer', minimum: 1, maximum: 5 } }).get('tool0-args-0-n'), '[1-5]');
    assert.equal(g({ n: { type: 'integer', maximum: 50 } }).get('tool0-args-0-n'), '"-"? ( "0" | [1-9] )');
    assert.equal(g({ n: { type: 'integer', minimum: 7, maximum: 9000 } }).get('tool0-args-0-n'), '"7"');
    assert.equal(g({ n: { type: 'number' } }).get('tool0-args-0f'), '"\\"n\\": " number');
    assert.equal(
      g({ s: { type: 'string', minLength: 1, maxLength: 8 } }).get('tool0-args-0-s'),
      '"\\"" char{1,8} "\\""',
    );
    assert.equal(g({ e: { enum: ['a', 2, null] } }).get('tool0-args-0-e'), '"\\"a\\"" | "2" | "null"');
    assert.equal(g({ c: { const: 'x"y' } }).get('tool0-args-0-c'), '"\\"x\\\\\\"y\\""');
    assert.equal(
      g({ a: { type: 'array', items: { type: 'boolean' }, minItems: 1 } }).get('tool0-args-0-a'),
      '"[" boolean ( ", " boolean )* "]"',
    );
    const empty = rules(
      toolCallGrammar(tool({ type: 'object', properties: {}, additionalProperties: false }), {
        forced: true,
        parallel: false,
      }),
    );
    assert.equal(empty.get('tool0-args'), '"{}"');
    assert.equal(
      g({ u: { anyOf: [{ type: 'string' }, { type: 'null' }] } }).get('tool0-args-0-u'),
      'string | null',
    );
  });
});

describe('constrained tool calls through the gateway', () => {
  it("a Plan entry's toolCalls: constrained reaches the descriptor; an unknown value is refused with its path", () => {
    const engines = [
      {
        engine: 'llama.cpp',
        name: 'coder',
        model: 'm.gguf',
        contextLength: 4096,
        port: 18080,
        toolCalls: 'constrained',
      },
    ];
    const { plan, problems } = validatePlan({ version: 1, engines }, { planDir: '/p' });
    assert.deepEqual(problems, []);
    assert.equal(upstreamsFromPlan(plan!)[0]!.toolCalls, 'constrained');
    const bad = validatePlan(
      { version: 1, engines: [{ ...engines[0], toolCalls: 'always' }] },
      { planDir: '/p' },
    );
    assert.ok(
      bad.problems.some((p) => p.path === 'engines[0].toolCalls' || p.path === 'engines.0.toolCalls'),
      JSON.stringify(bad.problems),
    );
  });

  it('the engine gets the grammar instead of tools, and the call it writes reaches the client as tool_use', async () => {
    const fx = await startFixture(
      [
        {
          text: '<tool_call>\n{"name": "Write", "arguments": {"file_path": "/tmp/a", "content": "hi"}}\n</tool_call>',
        },
        {
          text: '<tool_call>\n{"name": "Write", "arguments": {"file_path": "/tmp/b", "content": "yo"}}\n</tool_call>',
        },
      ],
      { descriptor: { toolCalls: 'constrained', contextLength: 131072, parallel: 1 } },
    );
    const request = {
      model: 'claude-sonnet-x',
      max_tokens: 500,
      tools: claudeCodeTools.map((t) => ({
        name: t.function.name,
        description: t.function.description,
        input_schema: t.function.parameters,
      })),
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'write a' }],
    };
    try {
      const r = await post(`${fx.url}/v1/messages`, request);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(
        r
          .json()
          .content.map((b: { type: string; name?: string; input?: unknown }) => [b.type, b.name, b.input]),
        [['tool_use', 'Write', { file_path: '/tmp/a', content: 'hi' }]],
      );
      assert.equal(r.json().stop_reason, 'tool_use');
      const s = await post(`${fx.url}/v1/messages`, { ...request, stream: true });
      assert.match(s.text, /"type":"tool_use","id":"[^"]+","name":"Write"/);
      assert.match(s.text, /"stop_reason":"tool_use"/);
      assert.doesNotMatch(s.text, /<tool_call>/);
      const sent = fx.upstream.requests.filter((q) => q.path === '/v1/chat/completions').map((q) => q.body);
      assert.equal(sent.length, 2);
      for (const body of sent) {
        assert.equal(body.tools, undefined);
        assert.equal(body.tool_choice, undefined);
        assert.match(body.grammar, /^root ::= calls$/m);
        assert.match(body.messages[0].content, /You may call these tools/);
      }
    } finally {
      await fx.close();
    }
  });
});
