import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, test } from 'vitest';
import {
  addRange,
  type ByteRange,
  chooseChunkBytes,
  contiguousEnd,
  coveredBytes,
  missingRanges,
  splitIntoChunks,
} from '../../src/store/byte-ranges.js';

const MiB = 1 << 20;

describe('addRange', () => {
  const cases: Array<[string, ByteRange[], ByteRange, ByteRange[]]> = [
    ['into nothing', [], [0, 10], [[0, 10]]],
    ['empty range is ignored', [[0, 10]], [5, 5], [[0, 10]]],
    [
      'before, apart',
      [[20, 30]],
      [0, 10],
      [
        [0, 10],
        [20, 30],
      ],
    ],
    [
      'after, apart',
      [[0, 10]],
      [20, 30],
      [
        [0, 10],
        [20, 30],
      ],
    ],
    ['touching merges', [[0, 10]], [10, 20], [[0, 20]]],
    ['overlapping merges', [[0, 10]], [5, 15], [[0, 15]]],
    [
      'bridges two',
      [
        [0, 10],
        [20, 30],
      ],
      [10, 20],
      [[0, 30]],
    ],
    [
      'swallows several',
      [
        [2, 3],
        [5, 6],
        [8, 9],
      ],
      [0, 10],
      [[0, 10]],
    ],
    ['inside an existing one', [[0, 100]], [10, 20], [[0, 100]]],
  ];
  for (const [name, ranges, range, expected] of cases) {
    test(name, () => assert.deepEqual(addRange(ranges, range), expected));
  }

  test('any order of additions gives a sorted, merged list covering exactly their union', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(200), fc.nat(50)), { maxLength: 30 }), (pairs) => {
        const ranges = pairs.map(([s, len]) => [s, s + len] as const);
        const merged = ranges.reduce<ByteRange[]>((acc, r) => addRange(acc, r), []);
        for (let i = 1; i < merged.length; i++) assert.ok(merged[i - 1]![1] < merged[i]![0]);
        const covered = new Set<number>();
        for (const [s, e] of ranges) for (let b = s; b < e; b++) covered.add(b);
        assert.equal(coveredBytes(merged), covered.size);
      }),
    );
  });
});

describe('missingRanges', () => {
  const cases: Array<[string, ByteRange[], number, ByteRange[]]> = [
    ['nothing done', [], 100, [[0, 100]]],
    ['all done', [[0, 100]], 100, []],
    ['head done', [[0, 40]], 100, [[40, 100]]],
    ['tail done', [[60, 100]], 100, [[0, 60]]],
    [
      'holes',
      [
        [10, 20],
        [30, 40],
      ],
      50,
      [
        [0, 10],
        [20, 30],
        [40, 50],
      ],
    ],
    [
      'done past the end is clipped',
      [
        [0, 10],
        [90, 200],
      ],
      100,
      [[10, 90]],
    ],
    ['empty file', [], 0, []],
  ];
  for (const [name, done, size, expected] of cases) {
    test(name, () => assert.deepEqual(missingRanges(done, size), expected));
  }
});

describe('contiguousEnd and coveredBytes', () => {
  const cases: Array<[ByteRange[], number, number]> = [
    [[], 0, 0],
    [[[0, 10]], 0, 10],
    [[[0, 10]], 5, 10],
    [[[0, 10]], 10, 10],
    [
      [
        [0, 10],
        [20, 30],
      ],
      20,
      30,
    ],
    [[[5, 10]], 0, 0],
  ];
  for (const [ranges, from, expected] of cases) {
    test(`contiguousEnd(${JSON.stringify(ranges)}, ${from}) = ${expected}`, () =>
      assert.equal(contiguousEnd(ranges, from), expected));
  }
  test('coveredBytes sums the lengths', () =>
    assert.equal(
      coveredBytes([
        [0, 10],
        [20, 25],
      ]),
      15,
    ));
});

describe('splitIntoChunks', () => {
  const cases: Array<[ByteRange[], number, ByteRange[]]> = [
    [
      [[0, 10]],
      4,
      [
        [0, 4],
        [4, 8],
        [8, 10],
      ],
    ],
    [
      [[0, 8]],
      4,
      [
        [0, 4],
        [4, 8],
      ],
    ],
    [
      [
        [0, 3],
        [10, 15],
      ],
      4,
      [
        [0, 3],
        [10, 14],
        [14, 15],
      ],
    ],
    [[], 4, []],
  ];
  for (const [ranges, size, expected] of cases) {
    test(`${JSON.stringify(ranges)} by ${size}`, () =>
      assert.deepEqual(splitIntoChunks(ranges, size), expected));
  }
});

describe('chooseChunkBytes', () => {
  const cases: Array<[number, number, number]> = [
    [1 * MiB, 8, 4 * MiB], // floor
    [100 * MiB, 8, 4 * MiB],
    [512 * MiB, 8, 16 * MiB], // four chunks per connection
    [210 * MiB, 1, 53 * MiB], // rounded up to whole MiB
    [100_000 * MiB, 8, 64 * MiB], // ceiling
  ];
  for (const [size, connections, expected] of cases) {
    test(`${size / MiB} MiB over ${connections} → ${expected / MiB} MiB`, () =>
      assert.equal(chooseChunkBytes(size, connections), expected));
  }
});
