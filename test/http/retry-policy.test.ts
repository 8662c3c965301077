import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isTransient } from '../../src/http/retry-policy.js';

describe('backoffDelayMs', () => {
  const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };
  const cases: Array<[number, number, number]> = [
    // attempt, random, expected: cap = min(max, base·2^(attempt-1)), delay = cap/2 + cap/2·random
    [1, 0, 50],
    [1, 0.999_999, 100],
    [2, 0, 100],
    [3, 0.5, 300],
    [4, 0, 400],
    [5, 0, 500], // 1600 capped at 1000
    [10, 1, 1000],
  ];
  for (const [attempt, random, expected] of cases) {
    test(`attempt ${attempt}, random ${random} → ${expected} ms`, () =>
      assert.equal(backoffDelayMs(policy, attempt, random), expected));
  }
  test('never more than the cap, never less than half of it', () => {
    for (let attempt = 1; attempt < 20; attempt++) {
      const d = backoffDelayMs(DEFAULT_RETRY_POLICY, attempt);
      assert.ok(d >= DEFAULT_RETRY_POLICY.baseDelayMs / 2 && d <= DEFAULT_RETRY_POLICY.maxDelayMs);
    }
  });
});

describe('isTransient', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['HTTP 500', { status: 500 }, true],
    ['HTTP 503', { status: 503 }, true],
    ['HTTP 429', { status: 429 }, true],
    ['HTTP 408', { status: 408 }, true],
    ['HTTP 404', { status: 404 }, false],
    ['HTTP 401', { status: 401 }, false],
    ['HTTP 403 even with a transient code', { status: 403, code: 'ECONNRESET' }, false],
    ['ECONNRESET', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), true],
    ['ETIMEDOUT', { code: 'ETIMEDOUT' }, true],
    ['premature close', { code: 'ERR_STREAM_PREMATURE_CLOSE' }, true],
    ['undici: headers timeout', { code: 'UND_ERR_HEADERS_TIMEOUT' }, true],
    ['undici: connect timeout', { code: 'UND_ERR_CONNECT_TIMEOUT' }, true],
    ['marked transient', { transient: true }, true],
    ['ENOSPC', { code: 'ENOSPC' }, false],
    ['plain error', new Error('boom'), false],
    ['a string', 'ECONNRESET', false],
    ['undefined', undefined, false],
  ];
  for (const [name, error, expected] of cases) {
    test(`${name} → ${expected}`, () => assert.equal(isTransient(error), expected));
  }
});
