import assert from 'node:assert/strict';
import { parseDuration } from '../src/duration.ts';

assert.equal(parseDuration('250ms'), 250);
assert.equal(parseDuration('2s'), 2_000);
assert.equal(parseDuration('5m'), 300_000);
assert.equal(parseDuration('1h30m'), 5_400_000);
assert.throws(() => parseDuration('soon'));
console.log('duration: all passed');
