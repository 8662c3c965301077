import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GatewayError } from '../../src/gateway/gateway-error.js';
import { AnthropicCloud } from '../../src/gateway/hybrid/anthropic-cloud.js';
import { isUnreachable } from '../../src/gateway/hybrid/hybrid-router.js';

/**
 * The cloud client's limits against a real socket: a cloud that stops answering is cut (an overload the client
 * retries, not "unreachable", so the hybrid policy does not mark the cloud down), and a closed port is unreachable.
 */
describe('AnthropicCloud waits', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      if (req.url === '/stall-mid-body/v1/messages') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: ping\ndata: {}\n\n');
      }
      // Otherwise: the request is read and never answered.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (cloud: AnthropicCloud) =>
    cloud.postMessages('{}', {}, new AbortController().signal).finally(() => cloud.close());

  it('a cloud that never starts its answer is cut at the limit, as an overload', async () => {
    const error = await post(new AnthropicCloud(url, 'key', '2023-06-01', 300)).then(
      () => assert.fail('answered'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GatewayError);
    assert.equal(error.kind, 'overloaded');
    assert.match(error.message, /cloud API did not answer for 0\.3 s/);
    assert.equal(isUnreachable(error), false);
  });

  it('a stream that goes silent is cut at the limit while it is read', async () => {
    const cloud = new AnthropicCloud(`${url}/stall-mid-body`, 'key', '2023-06-01', 300);
    const answer = await cloud.postMessages('{}', {}, new AbortController().signal);
    assert.equal(answer.status, 200);
    const error = await (async () => {
      for await (const _ of answer.chunks()) {
        // The ping arrives; then nothing.
      }
    })().then(
      () => assert.fail('the stream ended'),
      (e: unknown) => e,
    );
    cloud.close();
    assert.ok(error instanceof GatewayError);
    assert.match(error.message, /cloud API sent nothing for 0\.3 s/);
  });

  it('a closed port is unreachable, which marks the cloud down', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await post(new AnthropicCloud(`http://127.0.0.1:${port}`, 'key', '2023-06-01')).then(
      () => assert.fail('answered'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GatewayError);
    assert.match(error.message, /cloud API unreachable/);
    assert.equal(isUnreachable(error), true);
  });
});
