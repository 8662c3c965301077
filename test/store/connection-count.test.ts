import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { chooseConnections, isLoopbackHost, REMOTE_CONNECTIONS } from '../../src/store/connection-count.js';

describe('chooseConnections', () => {
  const cases: Array<[string, Parameters<typeof chooseConnections>[0], number]> = [
    ['loopback, many cores', { host: '127.0.0.1', cores: 16 }, 1],
    ['localhost', { host: 'localhost', cores: 16 }, 1],
    ['remote, two cores', { host: 'cdn.example.test', cores: 2 }, 2],
    ['remote, one core', { host: 'cdn.example.test', cores: 1 }, 2],
    ['remote, many cores', { host: 'cdn.example.test', cores: 16 }, REMOTE_CONNECTIONS],
    ['asked for explicitly', { requested: 5, host: '127.0.0.1', cores: 2 }, 5],
    ['asked for zero means one', { requested: 0, host: 'cdn.example.test', cores: 16 }, 1],
  ];
  for (const [name, context, expected] of cases) {
    test(`${name} → ${expected}`, () => assert.equal(chooseConnections(context), expected));
  }
});

describe('isLoopbackHost', () => {
  const cases: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['LOCALHOST', true],
    ['api.localhost', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['127.0.0.1.example.test', false],
    ['huggingface.co.example', false],
  ];
  for (const [host, expected] of cases) {
    test(`${host} → ${expected}`, () => assert.equal(isLoopbackHost(host), expected));
  }
});
