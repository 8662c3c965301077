import { InvalidArgumentError } from 'commander';

/**
 * The one parser for numeric command-line values. Every command passes these as commander argParsers, so a bad
 * value ends in commander's own message, which names the flag ("option '--context <tokens>' argument 'abc' is
 * invalid. expected a whole number from 1 up"), and exit 2 — never a stack trace. Commander turns only an
 * InvalidArgumentError into that message; any other error thrown by a parser escapes as an internal error.
 */

export interface IntegerRange {
  min?: number;
  max?: number;
}

function rangeText({ min, max }: IntegerRange): string {
  if (min !== undefined && max !== undefined) return `a whole number from ${min} to ${max}`;
  if (min !== undefined) return `a whole number from ${min} up`;
  if (max !== undefined) return `a whole number up to ${max}`;
  return 'a whole number';
}

/** Parses a decimal integer within a range (pure); throws InvalidArgumentError saying what was expected. */
export function parseInteger(value: string, range: IntegerRange = {}): number {
  const text = value.trim();
  // Digits only: Number() alone would take '', '0x10', '1e3' and ' 12 '.
  const n = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (
    !Number.isSafeInteger(n) ||
    (range.min !== undefined && n < range.min) ||
    (range.max !== undefined && n > range.max)
  ) {
    throw new InvalidArgumentError(`expected ${rangeText(range)}`);
  }
  return n;
}

/** A commander argParser for integers in a range: `.option('--agents <n>', '…', integerOption({ min: 1 }))`. */
export function integerOption(range: IntegerRange = {}): (value: string) => number {
  return (value) => parseInteger(value, range);
}

/** Whole numbers from 1 up (counts, context lengths). */
export const positiveInteger = integerOption({ min: 1 });

/** A TCP port a service listens on or a client connects to. */
export const portNumber = integerOption({ min: 1, max: 65535 });

/** A port to listen on where 0 asks the kernel for any free one. */
export const listenPort = integerOption({ min: 0, max: 65535 });

/** A comma-separated list of whole numbers from 1 up (`--sizes 2048,20000`). */
export function positiveIntegerList(value: string): number[] {
  const items = value.split(',');
  if (items.some((item) => item.trim() === ''))
    throw new InvalidArgumentError('expected whole numbers separated by commas');
  return items.map((item) => parseInteger(item, { min: 1 }));
}

/** Bounds of a decimal option: `above` and `below` exclude their value, `min` and `max` include theirs. */
export interface DecimalRange {
  above?: number;
  min?: number;
  below?: number;
  max?: number;
}

function decimalRangeText({ above, min, below, max }: DecimalRange): string {
  const low = above !== undefined ? `above ${above}` : min !== undefined ? `of ${min} or more` : '';
  const high = below !== undefined ? `below ${below}` : max !== undefined ? `at most ${max}` : '';
  return `expected a number${low ? ` ${low}` : ''}${low && high ? ' and' : ''}${high ? ` ${high}` : ''}`;
}

/** Parses a plain decimal (`936.2`, `0`; no sign, exponent or hex) within a range; throws InvalidArgumentError. */
export function parseDecimal(value: string, range: DecimalRange = {}): number {
  const text = value.trim();
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (
    Number.isNaN(n) ||
    (range.above !== undefined && !(n > range.above)) ||
    (range.min !== undefined && n < range.min) ||
    (range.below !== undefined && !(n < range.below)) ||
    (range.max !== undefined && n > range.max)
  ) {
    throw new InvalidArgumentError(decimalRangeText(range));
  }
  return n;
}

/** A commander argParser for decimals in a range: `.option('--years <n>', '…', decimalOption({ above: 0 }))`. */
export function decimalOption(range: DecimalRange = {}): (value: string) => number {
  return (value) => parseDecimal(value, range);
}

/** A positive decimal number (`--bandwidth-gbs 936.2`). */
export const positiveNumber = decimalOption({ above: 0 });

/** A decimal number of zero or more (prices, watts: `--usd-per-kwh 0.31`). */
export const nonNegativeNumber = decimalOption({ min: 0 });

/** A comma-separated list of decimals of zero or more (`--hardware-cost 3200,5400`). */
export function nonNegativeNumberList(value: string): number[] {
  const items = value.split(',');
  if (items.some((item) => item.trim() === ''))
    throw new InvalidArgumentError('expected numbers separated by commas');
  return items.map((item) => parseDecimal(item, { min: 0 }));
}
