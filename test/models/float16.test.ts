import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { float16Bits, float16Value } from '../../src/models/gguf/float16.js';

describe('float16', () => {
  it('encodes known values', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65520, 0x7c00], // rounds up to infinity
      [1e6, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -14, 0x0400], // smallest normal
      [1 + 2 ** -11, 0x3c00], // tie rounds to even (down)
      [1 + 3 * 2 ** -11, 0x3c02], // tie rounds to even (up)
    ];
    for (const [value, bits] of cases) assert.equal(float16Bits(value), bits, `${value}`);
    assert.equal(float16Bits(Number.NaN) & 0x7c00, 0x7c00);
    assert.ok(Number.isNaN(float16Value(float16Bits(Number.NaN))));
  });

  it('round-trips every finite half and stays within half an ulp for weights', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      assert.equal(float16Bits(float16Value(bits)), bits);
    }
    fc.assert(
      fc.property(fc.float({ min: -1, max: 1, noNaN: true }), (x) => {
        const back = float16Value(float16Bits(x));
        const ulp = Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.abs(x) || 2 ** -24)) - 10));
        return Math.abs(back - x) <= ulp / 2 + 1e-12;
      }),
    );
  });
});
