/** Number formats shared by the renderers. */

export const usd = (n: number): string =>
  `${n < 0 ? '-' : ''}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export const kwh = (n: number): string =>
  `${n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 3 : 1 })} kWh`;

export const pct = (n: number | null, digits = 2): string =>
  n === null ? 'no data' : `${n.toFixed(digits)}%`;

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Seconds from milliseconds, or a dash. */
export const seconds = (ms: number | null): string => (ms === null ? '–' : `${(ms / 1000).toFixed(2)} s`);

/** A duration in minutes as `2 d 3 h 5 min`. */
export function duration(minutes: number): string {
  const total = Math.round(minutes);
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  const m = total % 60;
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', m || (!d && !h) ? `${m} min` : ''].filter(Boolean);
  return parts.join(' ');
}

/** A short elapsed time from milliseconds: `45 s` under a minute, else as `duration`; a dash when unknown. */
export const elapsed = (ms: number | null): string =>
  ms === null ? '–' : ms < 59_500 ? `${Math.round(ms / 1000)} s` : duration(ms / 60_000);

/** `2026-03-04 10:15 UTC` from an ISO time. */
export const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export const mark = (met: boolean | null): string => (met === null ? '–' : met ? 'met' : '**missed**');
