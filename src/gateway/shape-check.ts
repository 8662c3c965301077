import { GatewayError } from './gateway-error.js';

/** Longest client-chosen string the gateway writes into a log line, an error message or a usage record. */
export const MAX_ECHOED_CHARS = 200;

/**
 * Cuts a client-chosen string (a model name, a block type) to a length safe to log, record or echo: a 200 KB
 * model name must not become a 200 KB log line or usage record.
 */
export function clip(text: string, max = MAX_ECHOED_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

/** A value shown in an error message: JSON, clipped. */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return clip(text, 80);
}

/** What kind of JSON value this is, in the words an error message uses. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Collects every shape problem of a request body, each with its field path (`messages.3.content.0.text`),
 * and throws them together as one invalid_request_error, so a client sees all of them at once and the
 * translation after it can rely on the shape. Stops collecting after a few: a 10,000-message body with
 * the same mistake in each needs one line, not 10,000.
 */
export class ShapeCheck {
  private readonly problems: string[] = [];
  private static readonly MAX_PROBLEMS = 8;

  problem(path: string, message: string): void {
    if (this.problems.length < ShapeCheck.MAX_PROBLEMS) this.problems.push(`${path}: ${message}`);
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }

  /** A string, or absent when `optional`. */
  string(path: string, value: unknown, optional = false): value is string {
    if (typeof value === 'string' || (optional && value === undefined)) return true;
    this.problem(path, `must be a string, got ${jsonKind(value)}`);
    return false;
  }

  /** A finite number, or absent when `optional`. */
  number(path: string, value: unknown, optional = false): void {
    if ((typeof value === 'number' && Number.isFinite(value)) || (optional && value === undefined)) return;
    this.problem(path, `must be a number, got ${jsonKind(value)}`);
  }

  boolean(path: string, value: unknown, optional = false): void {
    if (typeof value === 'boolean' || (optional && value === undefined)) return;
    this.problem(path, `must be a boolean, got ${jsonKind(value)}`);
  }

  object(path: string, value: unknown): value is Record<string, unknown> {
    if (isObject(value)) return true;
    this.problem(path, `must be an object, got ${jsonKind(value)}`);
    return false;
  }

  array(path: string, value: unknown): value is unknown[] {
    if (Array.isArray(value)) return true;
    this.problem(path, `must be an array, got ${jsonKind(value)}`);
    return false;
  }

  /** Throws the collected problems as one invalid_request_error. */
  throwIfAny(): void {
    if (this.ok) return;
    throw new GatewayError('invalid_request', this.problems.join('; '));
  }
}
