import assert from 'node:assert/strict';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  decimalOption,
  listenPort,
  nonNegativeNumberList,
  parseDecimal,
  parseInteger,
  portNumber,
  positiveInteger,
  positiveNumber,
} from '../../src/cli/numeric-option.js';

describe('parseInteger', () => {
  it('accepts decimal whole numbers in range', () => {
    assert.equal(parseInteger('16384', { min: 1 }), 16384);
    assert.equal(parseInteger(' 42 '), 42);
    assert.equal(parseInteger('0', { min: 0, max: 0 }), 0);
    assert.equal(parseInteger('-3'), -3);
  });

  for (const bad of ['abc', '', ' ', '1.5', '1e3', '0x10', '12abc', 'NaN', 'Infinity', '9007199254740993'])
    it(`rejects ${JSON.stringify(bad)} with InvalidArgumentError`, () => {
      assert.throws(() => parseInteger(bad), InvalidArgumentError);
    });

  it('says the range it expected', () => {
    assert.throws(() => parseInteger('0', { min: 1 }), /expected a whole number from 1 up/);
    assert.throws(() => parseInteger('70000', { min: 1, max: 65535 }), /from 1 to 65535/);
    assert.throws(() => parseInteger('9', { max: 8 }), /up to 8/);
  });

  it('returns exactly the integer written, for every safe integer in range', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 65535 }), (n) => portNumber(String(n)) === n));
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 0 }), (n) => {
        assert.throws(() => positiveInteger(String(n)), InvalidArgumentError);
      }),
    );
  });

  it('lets 0 through only for listen ports', () => {
    assert.equal(listenPort('0'), 0);
    assert.throws(() => portNumber('0'), InvalidArgumentError);
  });
});

describe('numeric options in commander', () => {
  /** A program like ops's: exitOverride, output captured. */
  function program() {
    let stderr = '';
    const p = new Command()
      .exitOverride()
      .configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} })
      .option('--context <tokens>', 'context per agent', positiveInteger)
      .action(() => {});
    return { p, stderr: () => stderr };
  }

  it('turns a bad value into a usage error (exit 2 in ops) that names the flag and the value', () => {
    const { p, stderr } = program();
    assert.throws(
      () => p.parse(['--context', 'abc'], { from: 'user' }),
      (e: unknown) => e instanceof CommanderError && e.code === 'commander.invalidArgument',
    );
    assert.match(stderr(), /option '--context <tokens>' argument 'abc' is invalid\. expected a whole number/);
  });

  it('passes the parsed number to the action', () => {
    const { p } = program();
    p.parse(['--context', '8192'], { from: 'user' });
    assert.equal(p.opts().context, 8192);
  });
});

describe('parseDecimal and the decimal options', () => {
  it('accepts plain decimals in range, open or closed at each end', () => {
    assert.equal(parseDecimal('936.2'), 936.2);
    assert.equal(parseDecimal(' 0 ', { min: 0 }), 0);
    assert.equal(parseDecimal('23.5', { min: 0, below: 24 }), 23.5);
    assert.equal(parseDecimal('20', { above: 0, max: 20 }), 20);
    assert.equal(positiveNumber('0.31'), 0.31);
  });

  for (const bad of ['', '-1', '1e3', '0x10', 'abc', '1.', '.5', '1,5']) {
    it(`rejects ${JSON.stringify(bad)} with InvalidArgumentError`, () => {
      assert.throws(() => parseDecimal(bad), InvalidArgumentError);
    });
  }

  it('says the range it expected, each bound as it was given', () => {
    assert.throws(() => positiveNumber('0'), /expected a number above 0$/);
    assert.throws(
      () => parseDecimal('24', { min: 0, below: 24 }),
      /expected a number of 0 or more and below 24/,
    );
    assert.throws(
      () => decimalOption({ above: 0, max: 20 })('21'),
      /expected a number above 0 and at most 20/,
    );
  });

  it('reads a comma list of prices, refusing an empty item', () => {
    assert.deepEqual(nonNegativeNumberList('3200,5400.5'), [3200, 5400.5]);
    assert.throws(() => nonNegativeNumberList('3200,,5400'), /separated by commas/);
    assert.throws(() => nonNegativeNumberList('3200,-1'), InvalidArgumentError);
  });
});
