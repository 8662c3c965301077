import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { compactConversation } from '../../src/gateway/compact-conversation.js';
import type { ChatMessage } from '../../src/gateway/openai/types.js';
import { estimatePromptTokens } from '../../src/gateway/token-counter.js';
import { post, startFixture } from './gateway-fixture.js';

const tokensOf = (messages: ChatMessage[]) => estimatePromptTokens({ messages }).tokens;

/** A Claude-Code-shaped `-p` session: one task, then tool call after tool call, each result `resultChars` long. */
function session(turns: number, resultChars: number): ChatMessage[] {
  const out: ChatMessage[] = [
    { role: 'system', content: 'You are Claude Code.' },
    {
      role: 'user',
      content: '<system-reminder>\ncontext\n</system-reminder>\nFix the failing test in src/a.ts',
    },
  ];
  for (let i = 0; i < turns; i++) {
    out.push({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: `c${i}`, type: 'function', function: { name: 'Read', arguments: `{"file_path":"f${i}"}` } },
      ],
    });
    out.push({ role: 'tool', tool_call_id: `c${i}`, content: `${i}:`.padEnd(resultChars, 'x') });
  }
  return out;
}

/** Every tool call has its result after it and every result its call before it. */
function assertPaired(messages: ChatMessage[]): void {
  const open = new Set<string>();
  for (const m of messages) {
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) open.add(c.id);
    if (m.role === 'tool') {
      assert.ok(open.has(m.tool_call_id), `tool result ${m.tool_call_id} without its call`);
      open.delete(m.tool_call_id);
    }
  }
  assert.deepEqual([...open], [], 'calls without results');
}

describe('conversation compaction', () => {
  it('elides the oldest tool results first, keeping the system prompt, the task and the recent turns', () => {
    const messages = session(10, 4000);
    const before = tokensOf(messages);
    const c = compactConversation(messages, before / 2, tokensOf, 8192)!;
    assert.ok(c, 'compacted');
    assert.ok(tokensOf(c.messages) <= before / 2);
    assert.equal(c.elidedMessages, 0);
    assert.ok(c.elidedToolResults >= 5);
    assert.deepEqual(c.messages.slice(0, 2), messages.slice(0, 2));
    assert.deepEqual(c.messages.slice(-6), messages.slice(-6));
    assert.match(
      String(c.messages[3]!.content),
      /^\[ops gateway: this tool result \(4000 characters\) was elided to fit the local model's context of 8192 tokens/,
    );
    assertPaired(c.messages);
  });

  it('then elides middle turns behind one marker that quotes the task, never splitting a call from its result', () => {
    const messages = session(12, 200);
    for (const m of messages) if (m.role === 'assistant') m.content = 'thinking out loud '.repeat(100);
    const target = tokensOf(messages) / 4;
    const c = compactConversation(messages, target, tokensOf, 4096)!;
    assert.ok(c.elidedMessages > 0);
    assert.ok(tokensOf(c.messages) <= target);
    assert.equal(c.messages[0]!.content, 'You are Claude Code.');
    assert.equal(c.messages[1]!.role, 'user');
    assert.match(
      String(c.messages[1]!.content),
      /^\[ops gateway: \d+ earlier messages of this conversation were elided to fit the local model's context of 4096 tokens\. The conversation began with: "Fix the failing test in src\/a\.ts"\]$/,
    );
    assert.equal(c.messages[2]!.role, 'assistant');
    assert.deepEqual(c.messages.at(-1), messages.at(-1));
    assertPaired(c.messages);
  });

  it('leaves a conversation with nothing to elide alone', () => {
    assert.equal(compactConversation(session(1, 100), 1, tokensOf, 100), undefined);
  });
});

describe('compaction in the gateway', () => {
  it('a Messages conversation over the slot is compacted, answered, and counted in the usage record and metrics', async () => {
    const fx = await startFixture([], { descriptor: { contextLength: 8192, parallel: 1 } });
    try {
      const messages: object[] = [{ role: 'user', content: 'Summarise the repository' }];
      for (let i = 0; i < 16; i++) {
        messages.push({
          role: 'assistant',
          content: [{ type: 'tool_use', id: `t${i}`, name: 'Read', input: { file_path: `f${i}` } }],
        });
        messages.push({
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: 'y'.repeat(2000) }],
        });
      }
      const r = await post(`${fx.url}/v1/messages`, {
        model: 'claude-sonnet-x',
        max_tokens: 32000,
        tools: [{ name: 'Read', input_schema: { type: 'object' } }],
        messages,
      });
      assert.equal(r.status, 200, r.text);
      const sent = fx.upstream.requests.find((q) => q.path === '/v1/chat/completions')!.body;
      assert.ok(
        JSON.stringify(sent.messages).includes('[ops gateway: this tool result (2000 characters) was elided'),
      );
      assert.ok(sent.max_tokens >= 1024, `max_tokens ${sent.max_tokens}`);
      const usage = fx.usage.at(-1)!;
      assert.ok(usage.compactedTokens! > 3000, `compacted ${usage.compactedTokens}`);
      const metrics = await (await fetch(`${fx.url}/metrics`)).text();
      assert.match(metrics, /ops_gateway_compactions_total\{upstream="coder"\} 1/);
      // Turned off, the same conversation is refused in the words Claude Code understands.
      fx.gateway.context.compactConversations = false;
      const refused = await post(`${fx.url}/v1/messages`, {
        model: 'claude-sonnet-x',
        max_tokens: 32000,
        messages,
      });
      assert.equal(refused.status, 400);
      assert.match(refused.json().error.message, /^prompt is too long: \d+ tokens > \d+ maximum$/);
    } finally {
      await fx.close();
    }
  });
});
