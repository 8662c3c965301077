import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { RELAY_SOCKET, startGatewayRelay } from '../../src/eval/gateway-relay.js';

/** GET `path` over the relay's unix socket, asking for `host` (whatever a client asks, the gateway answers). */
function getOverSocket(socketPath: string, path: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path, headers: { host }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      })
      .on('error', reject);
  });
}

describe('gateway relay', () => {
  it('relays every connection on its socket to the gateway, whatever host is asked for', async () => {
    const seen: string[] = [];
    const gateway = http.createServer((req, res) => {
      seen.push(`${req.headers.host} ${req.url}`);
      res.end('gateway');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const relay = await startGatewayRelay(`http://127.0.0.1:${(gateway.address() as AddressInfo).port}`);
    const socket = join(relay.dir, RELAY_SOCKET);
    try {
      // Another uid (the sandbox user) must be able to connect: the socket is writable by all, the directory
      // only traversable.
      assert.equal(statSync(socket).mode & 0o777, 0o666);
      assert.equal(statSync(relay.dir).mode & 0o777, 0o755);
      assert.equal(await getOverSocket(socket, '/health', '127.0.0.1:8080'), '200 gateway');
      assert.equal(await getOverSocket(socket, '/x', 'example.com'), '200 gateway');
      assert.deepEqual(seen, ['127.0.0.1:8080 /health', 'example.com /x']);
      assert.equal(relay.connections(), 2);
    } finally {
      await relay.close();
      gateway.close();
    }
    assert.equal(existsSync(relay.dir), false, 'the socket directory is removed');
  });

  it('refuses a gateway URL that is not plain HTTP, as invalid input', async () => {
    await assert.rejects(startGatewayRelay('https://api.example.com'), (e: Error & { exitCode?: number }) => {
      assert.match(e.message, /relays plain HTTP/);
      assert.equal(e.exitCode, 2);
      return true;
    });
  });
});
