import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, it } from 'vitest';
import { gatewayOptionsFromPlan } from '../../src/gateway/options-from-plan.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { checkAnthropicStream } from './anthropic-stream-checker.js';
import { post, startFixture } from './gateway-fixture.js';

const msg = (extra: object = {}) => ({
  model: 'claude-sonnet-x',
  max_tokens: 50,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a raw connection, writes `text`, and resolves with what came back and when the server closed it. */
function rawExchange(url: string, text: string): Promise<{ reply: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let reply = '';
    socket.on('data', (d) => (reply += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ reply, closedAfterMs: Date.now() - started }));
    setTimeout(() => socket.destroy(), 10_000);
  });
}

/**
 * A TCP listener that never completes another handshake: a child process listens with a backlog of 1 (node
 * takes 0 for its default, 511) and is stopped (SIGSTOP) so it never accepts; once two connections fill its
 * accept queue, Linux drops further SYNs (tcp_conn_request drops a SYN when the accept queue is full), so a
 * connect hangs as it does to a blackholed address or a wedged host. Resolves with its port.
 */
async function unacceptingListener(): Promise<{ port: number; hangs: boolean; close(): void }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s = require('node:net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port))",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
  });
  child.kill('SIGSTOP');
  const fillers: net.Socket[] = [];
  let hangs = false;
  // Connect until one hangs: the accept queue is then full.
  for (let i = 0; i < 8 && !hangs; i++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    const connected = await Promise.race([
      new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))),
      sleep(300).then(() => false),
    ]);
    hangs = !connected;
  }
  return {
    port,
    hangs,
    close() {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
    },
  };
}

/** Writes `pieces` one every `everyMs` on a raw connection; resolves with the reply and when the server closed it. */
function trickle(
  url: string,
  pieces: string[],
  everyMs: number,
): Promise<{ reply: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname);
    let reply = '';
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(pieces[Math.min(i++, pieces.length - 1)]!);
    }, everyMs);
    socket.on('data', (d) => (reply += d));
    socket.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ reply, closedAfterMs: Date.now() - started });
    });
    setTimeout(() => socket.destroy(), 10_000);
  });
}

describe('timeouts', () => {
  it('a wedged engine (no answer) is cut at the first-byte limit: overloaded_error, upstream request aborted, slot freed', async () => {
    const fx = await startFixture(
      [
        { text: 'too late', delayMs: 5000 },
        { text: 'too late', delayMs: 5000 },
      ],
      {
        descriptor: { parallel: 1 },
        options: { timeouts: { upstreamFirstByteMs: 300 } },
      },
    );
    try {
      const started = Date.now();
      const r = await post(`${fx.url}/v1/messages`, msg());
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      assert.deepEqual([r.status, r.json().error.type], [529, 'overloaded_error']);
      assert.match(r.json().error.message, /upstream coder did not answer within 300 ms/);
      assert.ok(r.headers.get('retry-after'));
      const s = await post(`${fx.url}/v1/messages`, msg({ stream: true }));
      assert.deepEqual([s.status, s.json().error.type], [529, 'overloaded_error']);
      await sleep(100);
      assert.equal(fx.upstream.abortedCount(), 2);
      assert.equal(fx.gateway.context.pool.get('coder').queue.activeCount, 0);
      assert.deepEqual(
        fx.usage.map((u) => u.status),
        [529, 529],
      );
    } finally {
      await fx.close();
    }
  });

  it('an engine that goes silent mid-stream is cut at the idle limit with an in-band error, and the slot is freed', async () => {
    const fx = await startFixture(
      [
        { text: 'partial answer here', stallAfterChunks: 2 },
        { text: 'stalls', stallAfterChunks: 2 },
      ],
      {
        descriptor: { parallel: 1 },
        options: { timeouts: { upstreamIdleMs: 300 } },
      },
    );
    try {
      const started = Date.now();
      const r = await post(`${fx.url}/v1/messages`, msg({ stream: true }));
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      assert.equal(r.status, 200);
      const s = checkAnthropicStream(r.text);
      assert.equal(s.error?.error.type, 'api_error');
      assert.match(s.error?.error.message ?? '', /upstream coder sent nothing for 300 ms/);
      const o = await post(`${fx.url}/v1/chat/completions`, {
        model: 'quality',
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      });
      assert.equal(o.status, 200);
      assert.match(o.text, /"message":"upstream coder sent nothing for 300 ms"/);
      assert.doesNotMatch(o.text, /\[DONE\]/);
      await sleep(100);
      assert.equal(fx.upstream.abortedCount(), 2);
      assert.equal(fx.gateway.context.pool.get('coder').queue.activeCount, 0);
      assert.deepEqual(
        fx.usage.map((u) => u.status),
        [502, 502],
      );
    } finally {
      await fx.close();
    }
  });

  it('a client that never finishes its headers or its body is cut at the configured limits', async () => {
    const fx = await startFixture([], { options: { timeouts: { headersMs: 300, requestBodyMs: 600 } } });
    try {
      const headers = await rawExchange(fx.url, 'POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      assert.ok(headers.closedAfterMs < 3000, `headers: closed after ${headers.closedAfterMs} ms`);
      assert.match(headers.reply, /^HTTP\/1\.1 408/);
      const body = await rawExchange(
        fx.url,
        'POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"model":',
      );
      assert.ok(body.closedAfterMs < 3000, `body: closed after ${body.closedAfterMs} ms`);
      assert.equal(fx.upstream.requests.filter((r) => r.path === '/v1/chat/completions').length, 0);
    } finally {
      await fx.close();
    }
  });

  it('an upstream that never completes the TCP handshake is cut at the connect limit, and the slot is freed', async (t) => {
    const listener = await unacceptingListener();
    if (!listener.hangs) {
      // A kernel set to answer a full queue with a reset (tcp_abort_on_overflow) gives no hanging handshake.
      listener.close();
      t.skip('no connect hangs on this kernel: a full accept queue is not dropping SYNs');
      return;
    }
    const fx = await startFixture([], {
      descriptor: { parallel: 1, baseUrl: `http://127.0.0.1:${listener.port}/v1` },
      options: { timeouts: { upstreamConnectMs: 400, upstreamFirstByteMs: 20_000 } },
    });
    try {
      for (const stream of [false, true]) {
        const started = Date.now();
        const r = await post(`${fx.url}/v1/messages`, msg({ stream }));
        const took = Date.now() - started;
        // Cut at the connect limit: not before it, and long before the first-byte limit or the kernel's SYN retries.
        assert.ok(took >= 350 && took < 3000, `took ${took} ms`);
        assert.deepEqual([r.status, r.json().error.type], [529, 'overloaded_error']);
        assert.match(r.json().error.message, /upstream coder did not accept a connection within 400 ms/);
        assert.equal(fx.gateway.context.pool.get('coder').queue.activeCount, 0);
      }
      assert.deepEqual(
        fx.usage.map((u) => u.status),
        [529, 529],
      );
    } finally {
      await fx.close();
      listener.close();
    }
  });

  it('a client that trickles its headers or its body (slowloris) is cut at the configured limits', async () => {
    const fx = await startFixture([], { options: { timeouts: { headersMs: 400, requestBodyMs: 900 } } });
    try {
      // A header line every 100 ms, forever: each byte arrives in time, the whole never does.
      const headers = await trickle(
        fx.url,
        ['POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'x-pad: 1\r\n'],
        100,
      );
      assert.ok(
        headers.closedAfterMs >= 350 && headers.closedAfterMs < 3000,
        `headers: closed after ${headers.closedAfterMs} ms`,
      );
      assert.match(headers.reply, /^HTTP\/1\.1 408/);
      // Complete headers, then a body byte every 100 ms of a body that claims 10,000.
      const body = await trickle(
        fx.url,
        [
          'POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n{',
          ' ',
        ],
        100,
      );
      assert.ok(
        body.closedAfterMs >= 850 && body.closedAfterMs < 4000,
        `body: closed after ${body.closedAfterMs} ms`,
      );
      assert.equal(fx.upstream.requests.filter((r) => r.path === '/v1/chat/completions').length, 0);
    } finally {
      await fx.close();
    }
  });

  it("are set in the Plan's gateway section, each checked with its field path", () => {
    const ctx = { planDir: '/p' };
    const engines = [
      { engine: 'llama.cpp', name: 'coder', model: 'm.gguf', contextLength: 4096, port: 18080 },
    ];
    const { plan } = validatePlan(
      { version: 1, engines, gateway: { timeouts: { upstreamIdleMs: 30000 }, compactConversations: false } },
      ctx,
    );
    assert.deepEqual(gatewayOptionsFromPlan(plan!, {}), {
      aliases: {},
      timeouts: { upstreamIdleMs: 30000 },
      compactConversations: false,
    });
    const bad = validatePlan(
      { version: 1, engines, gateway: { timeouts: { upstreamIdleMs: 5, nap: 1 } } },
      ctx,
    );
    assert.ok(
      bad.problems.some((p) => p.path === 'gateway.timeouts.upstreamIdleMs'),
      JSON.stringify(bad.problems),
    );
  });
});
