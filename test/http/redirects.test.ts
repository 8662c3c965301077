import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { redirectStep } from '../../src/http/redirects.js';

describe('redirectStep', () => {
  const origin = 'http://hub.test';
  const at = new URL('http://hub.test/repo/resolve/main/f.gguf');
  const headers = {
    authorization: 'Bearer t',
    'x-api-key': 'k',
    'content-type': 'application/json',
    range: 'bytes=0-0',
  };

  test('a cross-origin redirect drops every credential header and keeps the rest', () => {
    const step = redirectStep(origin, at, 302, 'http://cdn.test/blob?sig=1', 'GET', headers);
    assert.equal(step?.url.href, 'http://cdn.test/blob?sig=1');
    assert.deepEqual(step?.headers, { 'content-type': 'application/json', range: 'bytes=0-0' });
    assert.equal(step?.method, 'GET');
  });

  test('a same-origin relative redirect keeps the token', () => {
    const step = redirectStep(origin, at, 307, '/other/path', 'GET', headers);
    assert.equal(step?.url.href, 'http://hub.test/other/path');
    assert.equal(step?.headers.authorization, 'Bearer t');
  });

  const methods: Array<[number, string, string, boolean]> = [
    // status, method, method after, body kept (WHATWG Fetch, HTTP-redirect fetch step 12)
    [301, 'POST', 'GET', false],
    [302, 'POST', 'GET', false],
    [303, 'POST', 'GET', false],
    [303, 'HEAD', 'HEAD', true],
    [303, 'PUT', 'GET', false],
    [307, 'POST', 'POST', true],
    [308, 'POST', 'POST', true],
    [302, 'GET', 'GET', true],
  ];
  for (const [status, method, after, keepBody] of methods) {
    test(`${status} after ${method} → ${after}${keepBody ? '' : ', body dropped'}`, () => {
      const step = redirectStep(origin, at, status, '/x', method, headers);
      assert.equal(step?.method, after);
      assert.equal(step?.keepBody, keepBody);
      assert.equal('content-type' in (step?.headers ?? {}), keepBody);
    });
  }

  test('not a redirect: other statuses, no Location, or a scheme that is not HTTP', () => {
    assert.equal(redirectStep(origin, at, 200, '/x', 'GET', headers), undefined);
    assert.equal(redirectStep(origin, at, 304, '/x', 'GET', headers), undefined);
    assert.equal(redirectStep(origin, at, 302, undefined, 'GET', headers), undefined);
    assert.equal(redirectStep(origin, at, 302, 'file:///etc/passwd', 'GET', headers), undefined);
  });
});
