import { OpsError } from '../core/errors.js';

/** A UTC calendar month. */
export interface MonthRange {
  month: string;
  fromMs: number;
  toMs: number;
}

/** Parses `YYYY-MM` into its UTC range. */
export function parseMonth(month: string): MonthRange {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const year = Number(match?.[1]);
  const index = Number(match?.[2]) - 1;
  if (!match || index < 0 || index > 11) {
    throw new OpsError(`"${month}" is not a month`, {
      hint: 'use the form YYYY-MM, e.g. --month 2026-03',
      exitCode: 2,
    });
  }
  return { month, fromMs: Date.UTC(year, index, 1), toMs: Date.UTC(year, index + 1, 1) };
}

/** `YYYY-MM` of a time (UTC). */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** The month after `month`. */
export const nextMonth = (month: string): string => monthOf(parseMonth(month).toMs);

/** Whole months from `from` to `to` (0 when equal; negative when `to` is earlier). */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm);
}

/** `YYYY-MM-DD` of a time (UTC). */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
