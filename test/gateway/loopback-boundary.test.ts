import assert from 'node:assert/strict';
import http from 'node:http';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'vitest';
import { startFixture } from './gateway-fixture.js';

/** One request with exactly these headers (fetch will not send a chosen Host). */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const BODY = JSON.stringify({
  model: 'claude-sonnet-x',
  max_tokens: 5,
  messages: [{ role: 'user', content: 'hi' }],
});

describe('loopback boundary without API keys', () => {
  it('refuses foreign Host names (DNS rebinding), foreign Origins and non-JSON posts (cross-site forms)', async () => {
    const fx = await startFixture();
    const port = new URL(fx.url).port;
    const msgs = `${fx.url}/v1/messages`;
    const json = { 'content-type': 'application/json' };
    try {
      const cases: [string, Parameters<typeof request>[1], number][] = [
        [
          'loopback Host',
          { method: 'POST', headers: { ...json, host: `localhost:${port}` }, body: BODY },
          200,
        ],
        [
          'IPv6 loopback Host',
          { method: 'POST', headers: { ...json, host: `[::1]:${port}` }, body: BODY },
          200,
        ],
        [
          'rebinding Host',
          { method: 'POST', headers: { ...json, host: `evil.example:${port}` }, body: BODY },
          403,
        ],
        ['rebinding Host on GET', { headers: { host: 'evil.example' } }, 403],
        [
          'foreign Origin',
          { method: 'POST', headers: { ...json, origin: 'https://evil.example' }, body: BODY },
          403,
        ],
        ['null Origin', { method: 'POST', headers: { ...json, origin: 'null' }, body: BODY }, 403],
        [
          'local Origin',
          { method: 'POST', headers: { ...json, origin: 'http://localhost:3000' }, body: BODY },
          200,
        ],
        [
          'text/plain form post',
          { method: 'POST', headers: { 'content-type': 'text/plain' }, body: BODY },
          415,
        ],
        ['no content-type', { method: 'POST', body: BODY }, 415],
        [
          'JSON with charset',
          { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: BODY },
          200,
        ],
      ];
      for (const [label, options, want] of cases) {
        const path = label.includes('GET') ? `${fx.url}/v1/models` : msgs;
        const r = await request(path, options);
        assert.equal(r.status, want, `${label}: ${r.text}`);
        if (want !== 200) assert.ok(JSON.parse(r.text).error.message, label);
      }
      assert.equal(fx.upstream.requests.filter((r) => r.path === '/v1/chat/completions').length, 4);
    } finally {
      await fx.close();
    }
  });
});

const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('with API keys', () => {
  it('/health and /metrics ask a non-loopback peer for a key; loopback peers (monitoring, agent) need none', async (t) => {
    if (!lanAddress) t.skip('no non-loopback address on this machine');
    const fx = await startFixture([], { options: { apiKeys: ['sekret'] } });
    await fx.gateway.close();
    // Listen on all interfaces (keys make that allowed) to be reached from a non-loopback address.
    const url = await fx.gateway.listen(0, '0.0.0.0');
    const port = new URL(url).port;
    try {
      for (const path of ['/health', '/metrics']) {
        assert.equal(
          (await request(`http://127.0.0.1:${port}${path}`, {})).status,
          200,
          `${path} from loopback`,
        );
        assert.equal(
          (await request(`http://${lanAddress}:${port}${path}`, {})).status,
          401,
          `${path} from LAN`,
        );
        const withKey = await request(`http://${lanAddress}:${port}${path}`, {
          headers: { 'x-api-key': 'sekret' },
        });
        assert.equal(withKey.status, 200, `${path} from LAN with key`);
      }
      // With keys a client elsewhere may use any Host name and content-type it likes; the key is the check.
      const r = await request(`http://${lanAddress}:${port}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sekret', host: 'gpu-box.lan' },
        body: BODY,
      });
      assert.equal(r.status, 200, r.text);
    } finally {
      await fx.close();
    }
  });
});
