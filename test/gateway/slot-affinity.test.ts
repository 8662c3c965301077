import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { SlotAffinity, sessionKey } from '../../src/gateway/slot-affinity.js';
import { post, startFixture } from './gateway-fixture.js';

describe('slot affinity', () => {
  it('keeps each session on its slot, spreads new sessions over unowned slots, and never waits for a busy one', () => {
    const a = new SlotAffinity(4);
    const turn = (s: string) => {
      const slot = a.acquire(s)!;
      a.release(slot);
      return slot;
    };
    const first = ['s1', 's2', 's3', 's4'].map(turn);
    assert.deepEqual([...first].sort(), [0, 1, 2, 3]);
    for (let i = 0; i < 3; i++) assert.deepEqual(['s1', 's2', 's3', 's4'].map(turn), first);
    // s1's slot busy (another request holds it): s1 takes a free slot now rather than wait.
    const held = a.acquire('s1')!;
    const other = a.acquire('s1')!;
    assert.notEqual(other, held);
    a.release(held);
    a.release(other);
    const all = [0, 1, 2, 3].map((i) => a.acquire(`x${i}`));
    assert.deepEqual([...all].sort(), [0, 1, 2, 3]);
    assert.equal(a.acquire('x9'), undefined);
  });

  it("names Claude Code's session by metadata.user_id, others by system prompt and first message", () => {
    const m = [{ role: 'user', content: 'task' }];
    assert.equal(
      sessionKey({ metadata: { user_id: 'user_1_session_abc' }, messages: m }),
      'u:user_1_session_abc',
    );
    const k = sessionKey({ system: 'sys', messages: m });
    assert.equal(sessionKey({ system: 'sys', messages: [...m, { role: 'assistant', content: 'more' }] }), k);
    assert.notEqual(sessionKey({ system: 'sys', messages: [{ role: 'user', content: 'other' }] }), k);
  });

  it('sends id_slot to llama.cpp, the same slot per session across turns; not to vLLM, nor when turned off', async () => {
    const ask = (session: string, turn: number) => ({
      model: 'claude-sonnet-x',
      max_tokens: 20,
      metadata: { user_id: `user_x_session_${session}` },
      messages: [{ role: 'user', content: `turn ${turn}` }],
    });
    const slotsSent = async (options: object, descriptor: object = {}) => {
      const fx = await startFixture([], { descriptor: { parallel: 4, ...descriptor }, options });
      try {
        for (let turn = 0; turn < 3; turn++)
          for (const s of ['a', 'b'])
            assert.equal((await post(`${fx.url}/v1/messages`, ask(s, turn))).status, 200);
        return fx.upstream.requests
          .filter((r) => r.path === '/v1/chat/completions')
          .map((r) => r.body.id_slot);
      } finally {
        await fx.close();
      }
    };
    const sent = await slotsSent({});
    assert.equal(new Set(sent.filter((_, i) => i % 2 === 0)).size, 1, `session a: ${sent}`);
    assert.equal(new Set(sent.filter((_, i) => i % 2 === 1)).size, 1, `session b: ${sent}`);
    assert.notEqual(sent[0], sent[1]);
    assert.deepEqual(await slotsSent({ slotAffinity: false }), Array(6).fill(undefined));
    assert.deepEqual(await slotsSent({}, { engine: 'vllm' }), Array(6).fill(undefined));
  });
});
