import assert from 'node:assert/strict';
import { LruCache } from '../src/lru.ts';

const cache = new LruCache<string, number>(2);
cache.set('a', 1);
cache.set('b', 2);
assert.equal(cache.get('a'), 1);
cache.set('c', 3);
assert.equal(cache.get('b'), undefined, 'b was the least recently used');
assert.equal(cache.get('a'), 1, 'a was read, so it stays');
assert.equal(cache.get('c'), 3);
assert.equal(cache.size, 2);
console.log('lru: all passed');
