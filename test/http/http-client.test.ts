import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { HttpClient, HttpError } from '../../src/http/http-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on a free loopback port; `handle` is swapped per test. */
async function startServer(): Promise<{
  url: string;
  server: Server;
  handle: { fn: Handler };
  sockets: Set<Socket>;
}> {
  const handle: { fn: Handler } = { fn: (_req, res) => res.end() };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => handle.fn(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, handle, sockets };
}

describe('HttpClient against a real server', () => {
  let a: Awaited<ReturnType<typeof startServer>>;
  let b: Awaited<ReturnType<typeof startServer>>;
  const client = new HttpClient({ connectTimeoutMs: 2000 });
  const fast = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 };

  beforeAll(async () => {
    a = await startServer();
    b = await startServer();
  });
  afterAll(async () => {
    await client.close();
    for (const s of [a, b]) {
      for (const socket of s.sockets) socket.destroy();
      s.server.close();
    }
  });

  test('sends a JSON body and reads a JSON answer', async () => {
    a.handle.fn = (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () =>
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ method: req.method, type: req.headers['content-type'], got: JSON.parse(body) }),
          ),
      );
    };
    const res = await client.request(`${a.url}/v1/x`, { json: { n: 1 } });
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.deepEqual(await res.json(), { method: 'POST', type: 'application/json', got: { n: 1 } });
  });

  test('follows a redirect to another origin without the token, and reports both ends', async () => {
    const seen: Array<string | undefined> = [];
    a.handle.fn = (req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(302, { location: `${b.url}/cdn/blob?sig=1`, 'x-linked-etag': '"abc"' }).end();
    };
    b.handle.fn = (req, res) => {
      seen.push(req.headers.authorization);
      res.end('blob bytes');
    };
    const res = await client.request(`${a.url}/repo/resolve/main/f`, {
      headers: { authorization: 'Bearer secret' },
    });
    assert.equal(await res.text(), 'blob bytes');
    assert.equal(res.finalUrl, `${b.url}/cdn/blob?sig=1`);
    assert.equal(res.firstHeaders['x-linked-etag'], '"abc"');
    assert.deepEqual(seen, ['Bearer secret', undefined]);
  });

  test('maxRedirects 0 returns the redirect itself', async () => {
    a.handle.fn = (_req, res) => res.writeHead(302, { location: '/elsewhere' }).end();
    const res = await client.request(`${a.url}/`, { maxRedirects: 0 });
    assert.equal(res.status, 302);
    await res.dump();
  });

  test('retries an idempotent request on 503 with backoff, and returns the answer that worked', async () => {
    let calls = 0;
    a.handle.fn = (_req, res) => (++calls < 3 ? res.writeHead(503).end('loading') : res.end('ready'));
    const retries: number[] = [];
    const res = await client.request(`${a.url}/health`, {
      retry: fast,
      onRetry: (r) => retries.push(r.attempt),
    });
    assert.equal(await res.text(), 'ready');
    assert.equal(calls, 3);
    assert.deepEqual(retries, [1, 2]);
  });

  test('never retries a POST, and retry "none" returns the first answer', async () => {
    let calls = 0;
    a.handle.fn = (_req, res) => {
      calls++;
      res.writeHead(503).end();
    };
    assert.equal((await client.request(`${a.url}/v1/messages`, { json: {}, retry: fast })).status, 503);
    assert.equal((await client.request(`${a.url}/health`, { retry: 'none' })).status, 503);
    assert.equal(calls, 2);
  });

  test('a refused connection is an HttpError that says so, with a hint', async () => {
    const closed = await startServer();
    closed.server.close();
    await assert.rejects(client.request(`${closed.url}/`, { retry: 'none' }), (error: unknown) => {
      assert.ok(error instanceof HttpError);
      assert.equal(error.kind, 'refused');
      assert.equal(error.code, 'ECONNREFUSED');
      assert.equal(error.transient, true);
      assert.match(error.hint ?? '', /is the service running/);
      const told = error.withHint('check HF_ENDPOINT');
      assert.equal(told.hint, 'check HF_ENDPOINT');
      assert.equal(told.message, error.message);
      assert.equal(told.transient, true);
      return true;
    });
  });

  test('a malformed URL or another scheme is an HttpError with a hint, not a TypeError', async () => {
    for (const url of ['127.0.0.1:8080/health', 'ftp://example.test/file']) {
      await assert.rejects(
        client.request(url),
        (error: unknown) => error instanceof HttpError && error.kind === 'other' && Boolean(error.hint),
      );
    }
  });

  test('the overall deadline fails a server that never answers, as a timeout', async () => {
    a.handle.fn = () => {};
    const started = performance.now();
    await assert.rejects(
      client.request(`${a.url}/slow`, { timeoutMs: 200, retry: 'none' }),
      (error: unknown) => {
        assert.ok(error instanceof HttpError);
        assert.equal(error.kind, 'timeout');
        assert.match(error.message, /no answer within 200 ms/);
        return true;
      },
    );
    assert.ok(performance.now() - started < 2000);
  });

  test('the deadline also covers a body that stops', async () => {
    a.handle.fn = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part');
    };
    const res = await client.request(`${a.url}/stalls`, { timeoutMs: 300, retry: 'none' });
    await assert.rejects(
      res.text(),
      (error: unknown) => error instanceof HttpError && error.kind === 'timeout',
    );
  });

  test('the response-head and idle-body timeouts are mapped to their own kinds', async () => {
    a.handle.fn = () => {};
    await assert.rejects(
      client.request(`${a.url}/head`, { headersTimeoutMs: 150, retry: 'none' }),
      (error: unknown) => error instanceof HttpError && error.kind === 'headers-timeout' && error.transient,
    );
    a.handle.fn = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('x');
    };
    const res = await client.request(`${a.url}/body`, { bodyIdleTimeoutMs: 150, retry: 'none' });
    await assert.rejects(
      res.text(),
      (error: unknown) => error instanceof HttpError && error.kind === 'body-timeout',
    );
  });

  test('stream: resendOnReset sends even a POST again when the connection drops before any answer, that many times', async () => {
    const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
    let calls = 0;
    a.handle.fn = (req, res) => (++calls === 1 ? req.socket.destroy() : res.end('second try'));
    const res = await client.stream(`${a.url}/v1/chat/completions`, { ...post, resendOnReset: 1 });
    assert.equal(await res.text(), 'second try');
    assert.equal(calls, 2);
    a.handle.fn = (req) => req.socket.destroy();
    await assert.rejects(
      client.stream(`${a.url}/v1/chat/completions`, { ...post, resendOnReset: 2 }),
      (error: unknown) => error instanceof HttpError && error.kind === 'reset',
    );
    calls = 0;
    a.handle.fn = (req) => {
      calls++;
      req.socket.destroy();
    };
    await assert.rejects(client.stream(`${a.url}/v1/chat/completions`, post));
    assert.equal(calls, 1, 'no resend unless asked');
  });

  test('stream: chunks() gives the body as it arrives, decoded, and a stall mid-body is an HttpError', async () => {
    a.handle.fn = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // "é" split across two writes: the pieces are decoded as UTF-8 across the boundary.
      const e = Buffer.from('data: é\n\n');
      res.write(e.subarray(0, 7));
      setTimeout(() => res.write(e.subarray(7)), 20);
    };
    const res = await client.stream(`${a.url}/stream`, {
      method: 'GET',
      headers: {},
      bodyIdleTimeoutMs: 200,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/event-stream');
    let got = '';
    await assert.rejects(
      (async () => {
        for await (const piece of res.chunks()) got += piece;
      })(),
      (error: unknown) => error instanceof HttpError && error.kind === 'body-timeout',
    );
    assert.equal(got, 'data: é\n\n');
  });

  test('stream: the response-head timeout, an abort and a dropped answer reach the server', async () => {
    const closed: string[] = [];
    a.handle.fn = (req, res) => {
      req.socket.once('close', () => closed.push(req.url ?? ''));
      if (req.url === '/drop') res.writeHead(200).write('part');
    };
    await assert.rejects(
      client.stream(`${a.url}/head`, { method: 'GET', headers: {}, headersTimeoutMs: 150 }),
      (error: unknown) => error instanceof HttpError && error.kind === 'headers-timeout',
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('client gone')), 50);
    await assert.rejects(
      client.stream(`${a.url}/abort`, { method: 'GET', headers: {}, signal: controller.signal }),
    );
    const res = await client.stream(`${a.url}/drop`, { method: 'GET', headers: {} });
    for await (const piece of res.chunks()) {
      assert.equal(piece, 'part');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(closed.sort(), ['/abort', '/drop', '/head']);
  });

  test('an answer that is not JSON fails json() with the URL and what came back', async () => {
    a.handle.fn = (_req, res) => res.end('<html>proxy error</html>');
    const res = await client.request(`${a.url}/api`);
    await assert.rejects(res.json(), /did not answer JSON \(HTTP 200\): <html>proxy error/);
  });
});

describe('the CLI process and the shared client', () => {
  const clientModule = fileURLToPath(new URL('../../src/http/http-client.ts', import.meta.url));
  const run = (script: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });

  test('a request waiting on a silent server keeps the process alive until its deadline (no exit 13)', () => {
    // A server that accepts and never answers, in the same process: only the request's own timer may keep the
    // event loop alive once the server is unref'd, as when Docker's proxy holds a connection for a dead engine.
    const r = run(`
      import { createServer } from 'node:net';
      import { httpRequest } from ${JSON.stringify(clientModule)};
      const server = createServer(() => {}).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      server.unref();
      try {
        await httpRequest('http://127.0.0.1:' + server.address().port + '/health', { timeoutMs: 300, retry: 'none' });
      } catch (error) { console.log(error.kind); process.exit(0); }
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'timeout');
  });

  // The shared client keeps idle connections 4 s; a process held by one would exit only after that.
  test('after a request the kept-alive connection does not hold the process open', () => {
    const r = run(`
      import { createServer } from 'node:http';
      import { httpRequest } from ${JSON.stringify(clientModule)};
      const server = createServer((_q, s) => s.end('ok')).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      // Only the client's side may hold the process: the server and its end of the connection are unref'd.
      server.unref();
      server.on('connection', (socket) => socket.unref());
      const res = await httpRequest('http://127.0.0.1:' + server.address().port + '/');
      console.log(await res.text());
      globalThis.t0 = performance.now();
      process.on('exit', () => console.log(performance.now() - globalThis.t0 < 3500 ? 'prompt' : 'held'));
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['ok', 'prompt']);
  });
});
