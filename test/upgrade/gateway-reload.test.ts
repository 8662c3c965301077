import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { holdFileFor, parseHold, watchGatewayFiles } from '../../src/gateway/plan-watcher.js';
import { problemWithAnswer, problemWithToolCall } from '../../src/upgrade/smoke-check.js';
import { post, startFixture } from '../gateway/gateway-fixture.js';
import { startScriptedUpstream } from '../gateway/scripted-openai-upstream.js';

const chat = { model: 'quality', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 };

describe('gateway: reloading the Plan', () => {
  it('moves an alias to a new upstream at once; a request in flight finishes on the old one, which then drains', async () => {
    const fx = await startFixture([{ text: 'old', delayMs: 400 }]);
    const green = await startScriptedUpstream([{ text: 'new' }]);
    try {
      const inFlight = post(`${fx.url}/v1/chat/completions`, chat);
      await new Promise((r) => setTimeout(r, 100));
      const change = fx.gateway.context.reload({
        upstreams: [
          {
            name: 'coder-abc123',
            baseUrl: green.baseUrl,
            aliases: ['quality'],
            contextLength: 32768,
            parallel: 2,
            engine: 'llama.cpp',
          },
        ],
      });
      assert.deepEqual(change, { added: ['coder-abc123'], updated: [], retired: ['coder'] });
      const fresh = await post(`${fx.url}/v1/chat/completions`, chat);
      assert.equal(fresh.json().choices[0].message.content, 'new');
      const health = await (await fetch(`${fx.url}/health`)).json();
      assert.deepEqual(health.draining, [{ name: 'coder', active: 1, queued: 0 }]);
      const old = await inFlight;
      assert.equal(old.status, 200);
      assert.equal(old.json().choices[0].message.content, 'old');
      // Closed after a grace second once idle.
      for (let i = 0; i < 40 && fx.gateway.context.pool.drainingUpstreams().length > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(fx.gateway.context.pool.drainingUpstreams(), []);
    } finally {
      await fx.close();
      await green.close();
    }
  });

  it('holds requests for a held upstream (pinging streams) and serves them when the hold is lifted', async () => {
    const fx = await startFixture([{ text: 'after the hold' }], { options: { pingIntervalMs: 50 } });
    try {
      fx.gateway.context.pool.hold(['coder'], Date.now() + 10_000);
      const held = post(`${fx.url}/v1/chat/completions`, chat);
      const stream = fetch(`${fx.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...chat, model: 'claude-sonnet-x', stream: true }),
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(fx.upstream.requests.filter((r) => r.path.endsWith('/chat/completions')).length, 0);
      const health = await (await fetch(`${fx.url}/health`)).json();
      assert.deepEqual(health.held, ['coder']);
      fx.gateway.context.pool.hold([]);
      assert.equal((await held).status, 200);
      const text = await (await stream).text();
      assert.match(text, /event: ping/);
      assert.match(text, /event: message_stop/);
    } finally {
      await fx.close();
    }
  });

  it('a hold ends by itself at its deadline', async () => {
    const fx = await startFixture([{ text: 'ok' }]);
    try {
      fx.gateway.context.pool.hold(['coder'], Date.now() + 200);
      const started = Date.now();
      assert.equal((await post(`${fx.url}/v1/chat/completions`, chat)).status, 200);
      assert.ok(Date.now() - started >= 150);
    } finally {
      await fx.close();
    }
  });

  it('watches the Plan copy and the hold file, replaced by rename', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-watch-'));
    const planFile = join(dir, 'lab.plan.yaml');
    writeFileSync(planFile, 'a');
    const seen: string[] = [];
    const holds: unknown[] = [];
    const watcher = watchGatewayFiles({
      planFile,
      holdFile: holdFileFor(planFile),
      initialPlanText: 'a',
      intervalMs: 50,
      onPlan: (t) => seen.push(t),
      onHold: (h) => holds.push(h),
    });
    try {
      writeFileSync(`${planFile}.tmp`, 'b');
      renameSync(`${planFile}.tmp`, planFile);
      writeFileSync(join(dir, 'lab.hold.json'), JSON.stringify({ upstreams: ['coder'], untilMs: 99 }));
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(seen, ['b']);
      assert.deepEqual(holds, [{ upstreams: ['coder'], untilMs: 99 }]);
      assert.equal(parseHold('{not json'), undefined);
      assert.equal(parseHold(JSON.stringify({ upstreams: [], untilMs: 5 })), undefined);
    } finally {
      watcher.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('smoke check verdicts', () => {
  const answer = (
    content: string,
    finish = 'length',
    usage = { prompt_tokens: 5, completion_tokens: 4 },
  ) => ({
    choices: [{ finish_reason: finish, message: { content } }],
    usage,
  });
  it('accepts a well-formed answer and names what is wrong with the others', () => {
    assert.equal(problemWithAnswer(200, answer('hello')), undefined);
    assert.equal(problemWithAnswer(503, {}), 'HTTP 503');
    assert.equal(problemWithAnswer(200, answer('')), 'empty content');
    assert.equal(problemWithAnswer(200, answer('x', 'banana')), 'finish_reason banana');
    assert.equal(
      problemWithAnswer(200, answer('x', 'stop', { prompt_tokens: 0, completion_tokens: 1 })),
      'usage missing or zero',
    );
  });
  it('wants a call of the offered tool with JSON arguments', () => {
    const call = (name: string, args: string) => ({
      choices: [{ message: { tool_calls: [{ function: { name, arguments: args } }] } }],
    });
    assert.equal(problemWithToolCall(200, call('read_file', '{"path":"README.md"}')), undefined);
    assert.equal(problemWithToolCall(200, answer('no')), 'no tool call in the answer');
    assert.match(problemWithToolCall(200, call('rm', '{}')) ?? '', /called rm/);
    assert.equal(problemWithToolCall(200, call('read_file', 'nope')), 'tool call arguments are not JSON');
  });
});
