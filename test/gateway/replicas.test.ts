import assert from 'node:assert/strict';
import { afterAll, describe, it } from 'vitest';
import { ReplicaBalancer, type UpstreamLoad } from '../../src/gateway/replica-balancer.js';
import { createGateway } from '../../src/gateway/server.js';
import type { UpstreamDescriptor } from '../../src/gateway/types.js';
import { post } from './gateway-fixture.js';
import { startScriptedUpstream } from './scripted-openai-upstream.js';

describe('replica balancer (pure)', () => {
  const loads = new Map<string, UpstreamLoad>();
  const balancer = new ReplicaBalancer((n) => loads.get(n) ?? { busy: 0, slots: 1 });
  const group = ['coder', 'coder-r2', 'coder-r3'];

  it('sends a new session to the least busy copy (busy / slots, then Plan order)', () => {
    loads.set('coder', { busy: 2, slots: 2 });
    loads.set('coder-r2', { busy: 1, slots: 2 });
    loads.set('coder-r3', { busy: 0, slots: 2 });
    assert.equal(balancer.pick(group, 's1'), 'coder-r3');
    loads.set('coder-r3', { busy: 1, slots: 2 });
    assert.equal(balancer.pick(group, 's2'), 'coder-r2', 'equal load: the earlier copy');
  });

  it('keeps a session on its copy while that copy has a free slot (its prompt cache is there)', () => {
    loads.set('coder', { busy: 0, slots: 2 });
    assert.equal(balancer.pick(group, 's1'), 'coder-r3', 'not moved to the now idle first copy');
  });

  it('moves a session whose copy is full when another has a free slot, and stays when all are full', () => {
    loads.set('coder-r3', { busy: 2, slots: 2 });
    assert.equal(balancer.pick(group, 's1'), 'coder');
    for (const n of group) loads.set(n, { busy: 2, slots: 2 });
    assert.equal(balancer.pick(group, 's1'), 'coder');
  });
});

// Two scripted engines stand in for two copies of one model (their answers are a model's judgement); the gateway
// is the real one, in process.
describe('the gateway balances a model over its data-parallel copies', async () => {
  const a = await startScriptedUpstream(() => ({ text: 'from a', delayMs: 300 }));
  const b = await startScriptedUpstream(() => ({ text: 'from b', delayMs: 300 }));
  const common = { aliases: [], contextLength: 8192, parallel: 1, engine: 'llama.cpp' as const };
  const upstreams: UpstreamDescriptor[] = [
    { ...common, name: 'coder', baseUrl: a.baseUrl, aliases: ['quality'] },
    { ...common, name: 'coder-r2', baseUrl: b.baseUrl, replicaOf: 'coder' },
  ];
  const gateway = createGateway({ upstreams, cache: false });
  const url = await gateway.listen(0);
  afterAll(async () => {
    await gateway.close();
    await a.close();
    await b.close();
  });
  const chat = (session: string) =>
    post(`${url}/v1/chat/completions`, {
      model: 'quality',
      max_tokens: 16,
      messages: [{ role: 'user', content: `session ${session}: fix the bug` }],
    });

  it('two sessions at once land on the two copies instead of queueing on one', async () => {
    const [x, y] = await Promise.all([chat('one'), chat('two')]);
    assert.equal(x.status, 200, x.text);
    assert.equal(y.status, 200, y.text);
    const answers = [x.json().choices[0].message.content, y.json().choices[0].message.content].sort();
    assert.deepEqual(answers, ['from a', 'from b']);
    const chats = (u: typeof a) => u.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    assert.deepEqual([chats(a), chats(b)], [1, 1]);
  });

  it("a session's next turn goes to the copy that served it", async () => {
    const first = (await chat('three')).json().choices[0].message.content;
    const again = (await chat('three')).json().choices[0].message.content;
    assert.equal(again, first);
  });
});
