import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WRITE_BYTES } from '../../src/store/pipelined-body-writer.js';
import {
  connectTarget,
  directTransport,
  formatRangeRequest,
  RangedBodyReader,
  type RangedFetchRequest,
} from '../../src/store/ranged-body-reader.js';

const pattern = (n: number, offset = 0) => {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i + offset) % 251;
  return out;
};

describe('transport selection', () => {
  test('http: is plain TCP on port 80 by default', () => {
    assert.deepEqual(connectTarget(new URL('http://cdn.example/x')), {
      transport: 'tcp',
      host: 'cdn.example',
      port: 80,
    });
  });

  test('https: is TLS on port 443 with SNI set to the host name', () => {
    assert.equal(directTransport(new URL('https://cdn-lfs.example/abc?sig=1')), 'tls');
    assert.deepEqual(connectTarget(new URL('https://cdn-lfs.example/abc?sig=1')), {
      transport: 'tls',
      host: 'cdn-lfs.example',
      port: 443,
      servername: 'cdn-lfs.example',
    });
  });

  test('https: to an IP literal sends no SNI (RFC 6066 forbids it); IPv6 brackets are removed', () => {
    assert.deepEqual(connectTarget(new URL('https://10.0.0.5:8443/x')), {
      transport: 'tls',
      host: '10.0.0.5',
      port: 8443,
    });
    assert.equal(connectTarget(new URL('http://[::1]:9000/x')).host, '::1');
  });

  test('other schemes are not read directly', () => {
    assert.equal(directTransport(new URL('ftp://host/x')), undefined);
    assert.throws(() => connectTarget(new URL('ftp://host/x')), /unsupported URL scheme/);
  });
});

describe('formatRangeRequest', () => {
  test('one GET with Host, Range (inclusive end) and If-Range; caller headers lower-cased', () => {
    const text = formatRangeRequest(
      new URL('http://127.0.0.1:8080/cdn/abc?signature=x'),
      { 'X-Trace': 't1' },
      { start: 10, end: 20 },
      '"etag"',
    );
    assert.equal(
      text,
      'GET /cdn/abc?signature=x HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nuser-agent: ops-model-store\r\n' +
        'x-trace: t1\r\nrange: bytes=10-19\r\nif-range: "etag"\r\n\r\n',
    );
  });

  test('a header value with a line break is refused (no header injection)', () => {
    assert.throws(
      () =>
        formatRangeRequest(
          new URL('http://h/x'),
          { authorization: 'Bearer a\r\nx: y' },
          { start: 0, end: 1 },
        ),
      /line break/,
    );
  });
});

/**
 * A scripted HTTP/1.1 server on a raw socket: each request is answered by `respond`, which writes whatever bytes
 * the case needs (a valid 206, a cut-off body, chunked…). Counts connections and requests.
 */
class ScriptedServer {
  connections = 0;
  requests: string[] = [];
  respond: (socket: net.Socket, request: string) => void = () => undefined;
  private readonly server = net.createServer((socket) => {
    this.connections++;
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const request = pending.slice(0, end);
        pending = pending.slice(end + 4);
        this.requests.push(request);
        this.respond(socket, request);
      }
    });
    socket.on('error', () => undefined);
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.connections = 0;
    this.requests = [];
  }
}

/** Serves `file` honouring Range, as a CDN would. */
function rangeResponder(file: Buffer, extra = '') {
  return (socket: net.Socket, request: string) => {
    const m = /range: bytes=(\d+)-(\d+)/i.exec(request)!;
    const start = Number(m[1]);
    const end = Math.min(file.length - 1, Number(m[2]));
    socket.write(
      `HTTP/1.1 206 Partial Content\r\nContent-Range: bytes ${start}-${end}/${file.length}\r\n` +
        `Content-Length: ${end - start + 1}\r\nETag: "e"\r\n${extra}\r\n`,
    );
    socket.write(file.subarray(start, end + 1));
  };
}

function memoryFile(size: number, delayMs = 0) {
  const bytes = Buffer.alloc(size);
  const commit = async (data: Buffer, position: number) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    data.copy(bytes, position);
  };
  return { bytes, commit };
}

describe('RangedBodyReader against a scripted server', () => {
  const server = new ScriptedServer();
  let reader: RangedBodyReader;
  before(() => server.start());
  after(() => server.close());

  const request = (
    file: ReturnType<typeof memoryFile>,
    start: number,
    end: number,
    extra: Partial<RangedFetchRequest> = {},
  ): RangedFetchRequest & { advanced: number[] } => {
    const advanced: number[] = [];
    return {
      url: new URL(`http://127.0.0.1:${server.port}/cdn/blob`),
      headers: {},
      range: { start, end },
      signal: new AbortController().signal,
      commit: file.commit,
      onAdvance: (at) => advanced.push(at),
      advanced,
      ...extra,
    };
  };

  test('a range larger than the write buffers arrives intact, with slow writes (back-pressure)', async () => {
    reader = new RangedBodyReader();
    server.reset();
    const source = pattern(3 * WRITE_BYTES + 12345);
    server.respond = rangeResponder(source);
    const file = memoryFile(source.length, 5);
    const outcome = await reader.fetch(request(file, 1000, source.length));
    reader.close();
    assert.deepEqual(outcome, { kind: 'done', position: source.length });
    assert.ok(file.bytes.subarray(1000).equals(source.subarray(1000)));
  });

  test('consecutive ranges reuse one kept-alive connection', async () => {
    reader = new RangedBodyReader();
    server.reset();
    const source = pattern(300_000);
    server.respond = rangeResponder(source);
    const file = memoryFile(source.length);
    for (const [s, e] of [
      [0, 100_000],
      [100_000, 200_000],
      [200_000, 300_000],
    ] as const)
      assert.deepEqual(await reader.fetch(request(file, s, e)), { kind: 'done', position: e });
    reader.close();
    assert.ok(file.bytes.equals(source));
    assert.equal(server.requests.length, 3);
    assert.equal(server.connections, 1);
  });

  test('Connection: close is honoured: the next range opens a new connection', async () => {
    reader = new RangedBodyReader();
    server.reset();
    const source = pattern(2000);
    server.respond = rangeResponder(source, 'Connection: close\r\n');
    const file = memoryFile(source.length);
    await reader.fetch(request(file, 0, 1000));
    await reader.fetch(request(file, 1000, 2000));
    reader.close();
    assert.ok(file.bytes.equals(source));
    assert.equal(server.connections, 2);
  });

  test('a connection cut mid-body keeps the bytes received and rejects with a retryable error', async () => {
    reader = new RangedBodyReader();
    const source = pattern(WRITE_BYTES + 5000);
    server.respond = (socket, req) => {
      // The head, then only the first 10 000 body bytes.
      rangeResponder(source)(
        { write: (b: string | Buffer) => socket.write(b.slice(0, 10_000)) } as never,
        req,
      );
      setTimeout(() => socket.destroy(), 20);
    };
    const file = memoryFile(source.length);
    const req = request(file, 0, source.length);
    await assert.rejects(reader.fetch(req), (e: Error & { code?: string; transient?: boolean }) => {
      return e.code === 'ECONNRESET' || e.transient === true;
    });
    reader.close();
    const reached = req.advanced.at(-1) ?? 0;
    assert.equal(reached, 10_000, 'every byte that arrived was written');
    assert.ok(file.bytes.subarray(0, reached).equals(source.subarray(0, reached)));
  });

  test('200 instead of 206 is reported as `whole` (the file changed); chunked falls back to node:http', async () => {
    reader = new RangedBodyReader();
    const file = memoryFile(100);
    server.respond = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n');
    assert.deepEqual(await reader.fetch(request(file, 0, 100)), { kind: 'whole' });
    server.respond = (socket) =>
      socket.write(
        'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-99/100\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
    assert.deepEqual(await reader.fetch(request(file, 0, 100)), {
      kind: 'fallback',
      reason: 'transfer-encoding chunked',
    });
    reader.close();
  });

  test('416 rejects with the status; a folded head falls back', async () => {
    reader = new RangedBodyReader();
    const file = memoryFile(100);
    server.respond = (socket) =>
      socket.write('HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n\r\n');
    await assert.rejects(
      reader.fetch(request(file, 0, 100)),
      (e: Error & { status?: number }) => e.status === 416,
    );
    server.respond = (socket) => socket.write('HTTP/1.1 206 OK\r\nX-A: 1\r\n folded\r\n\r\n');
    const outcome = await reader.fetch(request(file, 0, 100));
    assert.equal(outcome.kind, 'fallback');
    reader.close();
  });

  test('a server that stops sending fails after the idle timeout', async () => {
    reader = new RangedBodyReader();
    const file = memoryFile(1000);
    server.respond = (socket) =>
      socket.write('HTTP/1.1 206 OK\r\nContent-Range: bytes 0-999/1000\r\nContent-Length: 1000\r\n\r\nabc');
    await assert.rejects(
      reader.fetch(request(file, 0, 1000, { idleTimeoutMs: 100 })),
      (e: Error & { code?: string }) => e.code === 'ETIMEDOUT',
    );
    reader.close();
  });

  test('an abort stops the request with the abort reason', async () => {
    reader = new RangedBodyReader();
    const file = memoryFile(1000);
    server.respond = () => undefined;
    const abort = new AbortController();
    const pending = reader.fetch(request(file, 0, 1000, { signal: abort.signal }));
    setTimeout(() => abort.abort(new Error('stop now')), 20);
    await assert.rejects(pending, /stop now/);
    reader.close();
  });

  test('an https URL goes through TLS: the server sees a TLS ClientHello carrying the SNI name', async () => {
    reader = new RangedBodyReader();
    let first: Buffer | undefined;
    const raw = net.createServer((socket) => {
      socket.once('data', (data) => {
        first = data;
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const port = (raw.address() as net.AddressInfo).port;
    const file = memoryFile(10);
    await assert.rejects(
      reader.fetch({ ...request(file, 0, 10), url: new URL(`https://localhost:${port}/cdn/blob`) }),
    );
    reader.close();
    await new Promise<void>((resolve) => raw.close(() => resolve()));
    assert.ok(first, 'the server received bytes');
    assert.equal(first[0], 0x16, 'a TLS handshake record, not plain HTTP');
    assert.ok(first.includes(Buffer.from('localhost')), 'SNI names the host');
  });
});

describe('RangedBodyReader when the disk fails', () => {
  test('a failed write while the socket waits on the disk rejects at once with the write error', async () => {
    const server = new ScriptedServer();
    await server.start();
    const size = 8 * WRITE_BYTES;
    const source = pattern(size);
    server.respond = rangeResponder(source);
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    let writes = 0;
    const reader = new RangedBodyReader();
    const started = Date.now();
    await assert.rejects(
      reader.fetch({
        url: new URL(`http://127.0.0.1:${server.port}/cdn/blob`),
        headers: {},
        range: { start: 0, end: size },
        signal: new AbortController().signal,
        idleTimeoutMs: 60_000,
        // Slow enough that every buffer fills and the socket pauses before the failure.
        commit: async () => {
          await new Promise((r) => setTimeout(r, 50));
          if (++writes === 2) throw full;
        },
        onAdvance: () => undefined,
      }),
      (e: unknown) => e === full,
    );
    reader.close();
    await server.close();
    assert.ok(Date.now() - started < 10_000, 'no wait for the idle timeout');
  });
});
