import type { IncidentPiece, ProbeDay } from '../ledger/types.js';
import { dayOf } from './month-range.js';
import type { Incident, UptimeSection } from './types.js';

export interface UptimeOptions {
  fromMs: number;
  toMs: number;
  targetPercent: number;
  /** The target the headline is about; when it has no data the first target with data is used. */
  primaryTarget: string;
}

/**
 * Uptime from the daily probe rollups (slots expected vs slots up) and incidents from the per-day down runs: runs
 * that touch (one ends where the next starts, across midnight) are one incident; an incident is cut at the month's
 * edges and marked as continuing. `pieces` may reach outside the month (a day each side) so the marks can be set.
 */
export function computeUptime(
  days: readonly ProbeDay[],
  pieces: readonly IncidentPiece[],
  options: UptimeOptions,
): UptimeSection {
  const inMonth = days.filter((d) => d.dayMs >= options.fromMs && d.dayMs < options.toMs);
  const byTarget = new Map<string, { expectedSlots: number; upSlots: number }>();
  for (const d of inMonth) {
    const t = byTarget.get(d.target) ?? { expectedSlots: 0, upSlots: 0 };
    t.expectedSlots += d.expectedSlots;
    t.upSlots += d.upSlots;
    byTarget.set(d.target, t);
  }
  const targets = [...byTarget]
    .map(([target, t]) => ({
      target,
      ...t,
      percent: t.expectedSlots === 0 ? null : (t.upSlots / t.expectedSlots) * 100,
    }))
    .sort((a, b) => a.target.localeCompare(b.target));
  const primaryTarget = byTarget.has(options.primaryTarget)
    ? options.primaryTarget
    : (targets[0]?.target ?? null);
  const primary = targets.find((t) => t.target === primaryTarget);
  const intervalS = inMonth.find((d) => d.target === primaryTarget)?.intervalS ?? 0;

  const daily: UptimeSection['daily'] = [];
  for (let ms = options.fromMs; ms < options.toMs; ms += 86_400_000) {
    const d = inMonth.find((x) => x.dayMs === ms && x.target === primaryTarget);
    daily.push({
      day: dayOf(ms),
      percent: d && d.expectedSlots > 0 ? (d.upSlots / d.expectedSlots) * 100 : null,
    });
  }
  const incidents = mergeIncidents(pieces, options.fromMs, options.toMs);
  return {
    targetPercent: options.targetPercent,
    primaryTarget,
    percent: primary?.percent ?? null,
    downMinutes: primary ? ((primary.expectedSlots - primary.upSlots) * intervalS) / 60 : 0,
    targets,
    daily,
    incidents,
  };
}

/** Joins touching pieces per target, then cuts each incident to [fromMs, toMs). */
export function mergeIncidents(pieces: readonly IncidentPiece[], fromMs: number, toMs: number): Incident[] {
  const sorted = [...pieces].sort((a, b) => a.target.localeCompare(b.target) || a.startMs - b.startMs);
  const merged: { target: string; startMs: number; endMs: number; counts: string[] }[] = [];
  for (const p of sorted) {
    const last = merged.at(-1);
    if (last && last.target === p.target && last.endMs >= p.startMs) {
      last.endMs = Math.max(last.endMs, p.endMs);
      for (const c of p.causes) if (!last.counts.includes(c)) last.counts.push(c);
    } else merged.push({ target: p.target, startMs: p.startMs, endMs: p.endMs, counts: [...p.causes] });
  }
  return merged
    .filter((m) => m.endMs > fromMs && m.startMs < toMs)
    .map((m) => {
      const startMs = Math.max(m.startMs, fromMs);
      const endMs = Math.min(m.endMs, toMs);
      return {
        target: m.target,
        start: new Date(startMs).toISOString(),
        end: new Date(endMs).toISOString(),
        startMs,
        endMs,
        durationMinutes: (endMs - startMs) / 60_000,
        causes: m.counts,
        continuedFromPreviousMonth: m.startMs < fromMs,
        continuesNextMonth: m.endMs > toMs,
      };
    })
    .sort((a, b) => a.startMs - b.startMs || a.target.localeCompare(b.target));
}
