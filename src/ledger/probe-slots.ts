import { OpsError } from '../core/errors.js';
import { DAY_MS, type IncidentPiece, NO_PROBE_CAUSE, type ProbeDay, type ProbeResult } from './types.js';

/** The window in which probes should exist for a day. */
export interface SlotWindow {
  dayMs: number;
  intervalS: number;
  /** Slots starting before this are not expected (monitoring had not started). */
  expectedFromMs: number;
  /** Slots ending after this are not expected (they are not over yet, or the target was retired). */
  expectedToMs: number;
}

/**
 * Uptime of one target over one UTC day, measured against the probes that should exist: the day is cut into
 * slots of the probe interval; a slot is up when a probe in it succeeded, down when probes in it all failed, and
 * down too when it has no probe at all (a box that was off wrote nothing). Returns the day's counts and the
 * maximal runs of down slots, each with the causes seen (probe errors, or "no probe recorded").
 */
export function rollupProbeDay(
  target: string,
  probes: readonly ProbeResult[],
  window: SlotWindow,
): { day: ProbeDay; incidents: IncidentPiece[] } {
  const intervalMs = window.intervalS * 1000;
  if (!Number.isInteger(window.intervalS) || window.intervalS <= 0 || DAY_MS % intervalMs !== 0) {
    throw new OpsError(`probe interval ${window.intervalS} s does not divide a day`, {
      hint: 'use a probe interval such as 10, 15, 30 or 60 seconds',
    });
  }
  const slots = DAY_MS / intervalMs;
  // 0 = no probe, 1 = up, 2 = failed; failure causes per slot.
  const state = new Uint8Array(slots);
  const causes = new Map<number, string>();
  for (const p of probes) {
    const slot = Math.floor((p.tsMs - window.dayMs) / intervalMs);
    if (slot < 0 || slot >= slots) continue;
    if (p.ok) state[slot] = 1;
    else if (state[slot] !== 1) {
      state[slot] = 2;
      causes.set(slot, p.error?.trim() || 'probe failed');
    }
  }
  let expected = 0;
  let up = 0;
  const incidents: IncidentPiece[] = [];
  let run: { start: number; end: number; counts: Map<string, number> } | undefined;
  const close = () => {
    if (!run) return;
    const ordered = [...run.counts].sort((a, b) => b[1] - a[1]).map(([c]) => c);
    incidents.push({ target, startMs: run.start, endMs: run.end, causes: ordered });
    run = undefined;
  };
  for (let i = 0; i < slots; i++) {
    const start = window.dayMs + i * intervalMs;
    if (start < window.expectedFromMs || start + intervalMs > window.expectedToMs) {
      close();
      continue;
    }
    expected++;
    if (state[i] === 1) {
      up++;
      close();
      continue;
    }
    const cause = state[i] === 2 ? causes.get(i)! : NO_PROBE_CAUSE;
    const end = start + intervalMs;
    if (!run) run = { start, end, counts: new Map() };
    run.end = end;
    run.counts.set(cause, (run.counts.get(cause) ?? 0) + 1);
  }
  close();
  return {
    day: {
      dayMs: window.dayMs,
      target,
      intervalS: window.intervalS,
      fromMs: Math.max(window.dayMs, window.expectedFromMs),
      expectedSlots: expected,
      upSlots: up,
    },
    incidents,
  };
}
