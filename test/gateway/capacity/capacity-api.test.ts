import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type OpenApiDoc,
  readOpenApi,
  responseProblems,
  schemaProblems,
} from '../../support/openapi-check.js';
import { type GatewayFixture, post, startFixture } from '../gateway-fixture.js';

const DOC = new URL('../../../docs/capacity-api.openapi.yaml', import.meta.url).pathname;

/** One call to the capacity API, checked against the OpenAPI document. */
async function call(
  doc: OpenApiDoc,
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  docPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  assert.deepEqual(
    responseProblems(doc, docPath, method, res.status, json),
    [],
    `${method} ${path} → ${res.status} ${text}`,
  );
  return { status: res.status, headers: res.headers, json };
}

/** Reads server-sent events from a stream until `until` says stop; returns them. */
async function readEvents(
  res: Response,
  until: (events: { event: string; data: unknown }[]) => boolean,
): Promise<{ event: string; data: unknown }[]> {
  const events: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = frame.match(/^event: (.*)$/m)?.[1];
      const data = frame.match(/^data: (.*)$/m)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
      end = buffer.indexOf('\n\n');
    }
    if (until(events)) break;
  }
  return events;
}

describe('capacity API (scripted upstream standing in for the model)', () => {
  let f: GatewayFixture;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    doc = readOpenApi(DOC);
    f = await startFixture(() => ({ text: 'ok', delayMs: 300, usage: { prompt: 5, completion: 2 } }), {
      options: { maxQueuedPerUpstream: 1, cache: false },
    });
  });
  afterAll(() => f.close());

  it('reports each model’s slots, queue, context and sources, as documented', async () => {
    const { json } = await call(doc, f.url, 'GET', '/ops/v1/capacity', '/ops/v1/capacity');
    const [coder] = json.models;
    assert.equal(coder.model, 'coder');
    assert.deepEqual(coder.aliases, ['quality']);
    assert.deepEqual(coder.slots, { total: 2, busy: 0, leased: 0, leased_busy: 0, unleased_free: 2 });
    assert.equal(coder.context_per_slot, 16384);
    assert.equal(coder.expected_wait_s, 0);
    // The scripted upstream has no /metrics KV gauge and no quality facts were given: null, not a guess.
    assert.equal(coder.kv_cache.usage_ratio, null);
    assert.equal(coder.quality, null);
  });

  it('grants a lease, refuses what cannot be had with 409 or 429, and releases on DELETE', async () => {
    const granted = await call(doc, f.url, 'POST', '/ops/v1/leases', '/ops/v1/leases', {
      model: 'quality',
      slots: 1,
      ttl_s: 60,
    });
    assert.equal(granted.status, 201);
    assert.equal(granted.json.model, 'coder');
    assert.deepEqual(granted.json.header, { name: 'x-ops-lease', value: granted.json.id });

    const busy = await call(doc, f.url, 'POST', '/ops/v1/leases', '/ops/v1/leases', {
      model: 'coder',
      slots: 2,
      ttl_s: 5,
    });
    assert.equal(busy.status, 429);
    assert.match(busy.json.error.message, /1 of coder's 2 slots are leased; 1 free, 2 asked/);
    assert.ok(Number(busy.headers.get('retry-after')) >= 59);
    const never = await call(doc, f.url, 'POST', '/ops/v1/leases', '/ops/v1/leases', {
      model: 'coder',
      slots: 3,
      ttl_s: 5,
    });
    assert.equal(never.status, 409);
    const bad = await call(doc, f.url, 'POST', '/ops/v1/leases', '/ops/v1/leases', {
      model: 'coder',
      slots: 0,
    });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /slots: .*; ttl_s: /);
    const unknown = await call(doc, f.url, 'POST', '/ops/v1/leases', '/ops/v1/leases', {
      model: 'nope',
      slots: 1,
      ttl_s: 5,
    });
    assert.equal(unknown.status, 404);

    const capacity = await call(doc, f.url, 'GET', '/ops/v1/capacity', '/ops/v1/capacity');
    assert.deepEqual(capacity.json.models[0].slots, {
      total: 2,
      busy: 0,
      leased: 1,
      leased_busy: 0,
      unleased_free: 1,
    });
    assert.deepEqual(
      capacity.json.leases.map((l: { id: string }) => l.id),
      [granted.json.id],
    );
    const listed = await call(doc, f.url, 'GET', '/ops/v1/leases', '/ops/v1/leases');
    assert.equal(listed.json.leases.length, 1);

    const leased = await post(
      `${f.url}/v1/chat/completions`,
      { model: 'quality', messages: [{ role: 'user', content: 'hi' }] },
      {
        'x-ops-lease': granted.json.id,
      },
    );
    assert.equal(leased.status, 200, leased.text);
    assert.equal(f.usage.at(-1)!.routeReason, 'leased');

    const gone = await call(doc, f.url, 'DELETE', `/ops/v1/leases/${granted.json.id}`, '/ops/v1/leases/{id}');
    assert.equal(gone.status, 204);
    const again = await call(
      doc,
      f.url,
      'DELETE',
      `/ops/v1/leases/${granted.json.id}`,
      '/ops/v1/leases/{id}',
    );
    assert.equal(again.status, 404);
    const ended = await post(
      `${f.url}/v1/chat/completions`,
      { model: 'quality', messages: [{ role: 'user', content: 'hi' }] },
      {
        'x-ops-lease': granted.json.id,
      },
    );
    assert.equal(ended.status, 404);
    assert.match(ended.json().error.message, /capacity lease .* is unknown or has ended/);
  });

  it('leased work is admitted while others are refused under the same load', async () => {
    const lease = await call(doc, f.url, 'POST', '/ops/v1/leases', '/ops/v1/leases', {
      model: 'coder',
      slots: 1,
      ttl_s: 30,
    });
    const ask = (headers: Record<string, string>) =>
      post(
        `${f.url}/v1/messages`,
        { model: 'coder', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
        {
          'anthropic-version': '2023-06-01',
          ...headers,
        },
      ).then((r) => r.status);
    // 1 unleased slot + a queue of 1: of 6 at once, 4 are refused. The lease's 2 wait only behind each other.
    const [leased, others] = await Promise.all([
      Promise.all([ask({ 'x-ops-lease': lease.json.id }), ask({ 'x-ops-lease': lease.json.id })]),
      Promise.all(Array.from({ length: 6 }, () => ask({}))),
    ]);
    assert.deepEqual(leased, [200, 200]);
    assert.equal(others.filter((s) => s === 529).length, 4, `others: ${others}`);
    await call(doc, f.url, 'DELETE', `/ops/v1/leases/${lease.json.id}`, '/ops/v1/leases/{id}');
  });

  it('streams capacity changes and lease events; a lease ends by itself at its ttl', async () => {
    const controller = new AbortController();
    const res = await fetch(`${f.url}/ops/v1/capacity/events`, { signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    // Until the expiry and the capacity change it makes have both come.
    const reading = readEvents(res, (events) => {
      const expired = events.findIndex(
        (e) => e.event === 'lease' && (e.data as { action: string }).action === 'expired',
      );
      return expired >= 0 && events.slice(expired).some((e) => e.event === 'capacity');
    });
    await new Promise((r) => setTimeout(r, 100));
    const lease = await call(doc, f.url, 'POST', '/ops/v1/leases', '/ops/v1/leases', {
      model: 'coder',
      slots: 2,
      ttl_s: 1,
    });
    const events = await reading;
    controller.abort();
    for (const e of events) {
      const schema = doc.components.schemas[e.event === 'capacity' ? 'ModelCapacity' : 'LeaseEvent'];
      assert.deepEqual(schemaProblems(doc, schema, e.data), [], JSON.stringify(e));
    }
    const summary = events.map((e) =>
      e.event === 'lease'
        ? `lease ${(e.data as { action: string }).action}`
        : `capacity leased=${(e.data as { slots: { leased: number } }).slots.leased}`,
    );
    assert.deepEqual(summary, [
      'capacity leased=0',
      'lease granted',
      'capacity leased=2',
      'lease expired',
      'capacity leased=0',
    ]);
    assert.equal((events[1]!.data as { lease: { id: string } }).lease.id, lease.json.id);
    const after = await call(doc, f.url, 'GET', '/ops/v1/capacity', '/ops/v1/capacity');
    assert.equal(after.json.models[0].slots.leased, 0);
    assert.deepEqual(after.json.leases, []);
  });
});

describe('capacity event stream at shutdown', () => {
  it('ends, so the gateway closes with a scheduler still listening', async () => {
    const f = await startFixture([]);
    const res = await fetch(`${f.url}/ops/v1/capacity/events`);
    const reader = res.body!.getReader();
    await reader.read();
    const closed = f.close();
    while (!(await reader.read()).done) {
      // Drain until the gateway ends the stream.
    }
    await closed;
  });
});

describe('leases across a Plan reload', () => {
  it('a lease of a model kept in the Plan stays; one of a model that left ends, told as released', async () => {
    const f = await startFixture([], { options: { cache: false } });
    try {
      const other = { ...f.gateway.context.pool.get('coder').descriptor, name: 'other', aliases: [] };
      f.gateway.context.reload({ upstreams: [f.gateway.context.pool.get('coder').descriptor, other] });
      const kept = await post(`${f.url}/ops/v1/leases`, { model: 'coder', slots: 1, ttl_s: 60 });
      const dropped = await post(`${f.url}/ops/v1/leases`, { model: 'other', slots: 2, ttl_s: 60 });
      assert.deepEqual([kept.status, dropped.status], [201, 201]);
      const events: string[] = [];
      const unsubscribe = f.gateway.context.capacity.subscribe((e) => {
        if (e.kind === 'lease') events.push(`${e.action} ${e.lease.model}`);
      });
      f.gateway.context.reload({ upstreams: [f.gateway.context.pool.get('coder').descriptor] });
      unsubscribe();
      assert.deepEqual(events, ['released other']);
      const capacity = await (await fetch(`${f.url}/ops/v1/capacity`)).json();
      assert.deepEqual(
        capacity.leases.map((l: { model: string }) => l.model),
        ['coder'],
      );
      assert.equal(capacity.models[0].slots.leased, 1);
      const leased = await post(
        `${f.url}/v1/chat/completions`,
        { model: 'coder', messages: [{ role: 'user', content: 'hi' }] },
        { 'x-ops-lease': kept.json().id },
      );
      assert.equal(leased.status, 200, leased.text);
    } finally {
      await f.close();
    }
  });
});

describe('capacity API behind the gateway’s keys', () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startFixture([], { options: { apiKeys: ['k1'] } });
  });
  afterAll(() => f.close());

  it('asks for a key on every capacity path', async () => {
    const doc = readOpenApi(DOC);
    for (const [method, path] of [
      ['GET', '/ops/v1/capacity'],
      ['GET', '/ops/v1/capacity/events'],
      ['GET', '/ops/v1/leases'],
      ['POST', '/ops/v1/leases'],
      ['DELETE', '/ops/v1/leases/x'],
    ] as const) {
      const res = await fetch(`${f.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.equal((await res.json()).error.code, 'invalid_api_key');
    }
    const ok = await fetch(`${f.url}/ops/v1/capacity`, { headers: { 'x-api-key': 'k1' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(responseProblems(doc, '/ops/v1/capacity', 'GET', 200, await ok.json()), []);
  });
});
