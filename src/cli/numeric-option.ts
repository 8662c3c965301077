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

/** A positive decimal number (`--bandwidth-gbs 936.2`). */
export function positiveNumber(value: string): number {
  const text = value.trim();
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(n > 0)) throw new InvalidArgumentError('expected a number above 0');
  return n;
}
