import { EnergyIntegrator } from './energy-integration.js';
import type { Ledger } from './ledger.js';
import { rollupProbeDay } from './probe-slots.js';
import { completeDays, replaceDayRollups } from './rollup-store.js';
import { DAY_MS, dayStart, type EnergyBucket, type IncidentPiece, type ProbeDay } from './types.js';

/** How raw rows become rollups (from the config's `agent` and `energy` sections). */
export interface RollupSettings {
  probeIntervalS: number;
  maxGapS: number;
  maxCounterGapS: number;
}

export interface DayRollups {
  dayMs: number;
  energy: EnergyBucket[];
  probeDays: ProbeDay[];
  incidents: IncidentPiece[];
  /** The day had ended (plus the gap allowance) when this was computed: it will not change any more. */
  complete: boolean;
}

/** Meta key for when a probe target was dropped from the agent's list (it is not expected after that). */
export const retiredKey = (target: string): string => `probe-target-retired:${target}`;

/** Computes one UTC day's rollups from the raw rows (nothing is written). */
export function computeDayRollups(
  ledger: Ledger,
  dayMs: number,
  nowMs: number,
  settings: RollupSettings,
): DayRollups {
  const dayEnd = dayMs + DAY_MS;
  const lookbackMs = Math.max(settings.maxGapS, settings.maxCounterGapS) * 1000;
  const energy: EnergyBucket[] = [];
  for (const { source, device } of ledger.powerDevices(dayMs - lookbackMs, dayEnd)) {
    const integrator = new EnergyIntegrator({
      fromMs: dayMs,
      toMs: dayEnd,
      maxGapMs: settings.maxGapS * 1000,
      maxCounterGapMs: settings.maxCounterGapS * 1000,
    });
    for (const [ts, p, e] of ledger.iteratePowerSamples(
      source,
      device,
      dayMs - lookbackMs,
      dayEnd + lookbackMs,
    )) {
      integrator.add(ts, p, e);
    }
    for (const [bucketMs, [energyWh, measuredS]] of integrator.buckets) {
      energy.push({ bucketMs, source, device, energyWh, measuredS });
    }
  }
  const probeDays: ProbeDay[] = [];
  const incidents: IncidentPiece[] = [];
  for (const target of ledger.probeTargets()) {
    const firstMs = firstProbeMs(ledger, target);
    if (firstMs === null || firstMs >= dayEnd) continue;
    const retired = Number(ledger.getMeta(retiredKey(target)) ?? Number.POSITIVE_INFINITY);
    const expectedFromMs =
      Math.floor(firstMs / (settings.probeIntervalS * 1000)) * settings.probeIntervalS * 1000;
    const result = rollupProbeDay(target, ledger.probesOf(target, dayMs, dayEnd), {
      dayMs,
      intervalS: settings.probeIntervalS,
      expectedFromMs,
      expectedToMs: Math.min(nowMs, retired),
    });
    if (result.day.expectedSlots > 0) probeDays.push(result.day);
    incidents.push(...result.incidents);
  }
  return { dayMs, energy, probeDays, incidents, complete: dayEnd + lookbackMs <= nowMs };
}

/**
 * Brings the stored rollups of the days in [fromMs, toMs) up to date: days already complete are skipped (their raw
 * rows may be gone), the others are recomputed from raw rows and written. Returns the days recomputed.
 */
export function updateRollups(
  ledger: Ledger,
  fromMs: number,
  toMs: number,
  nowMs: number,
  settings: RollupSettings,
  options: { force?: boolean } = {},
): number[] {
  const done = options.force ? new Set<number>() : completeDays(ledger, fromMs, toMs);
  const days: number[] = [];
  for (let day = dayStart(fromMs); day < Math.min(toMs, nowMs); day += DAY_MS) {
    if (done.has(day)) continue;
    const r = computeDayRollups(ledger, day, nowMs, settings);
    replaceDayRollups(ledger, day, r, nowMs, r.complete);
    days.push(day);
  }
  return days;
}

function firstProbeMs(ledger: Ledger, target: string): number | null {
  const row = ledger.db
    .prepare(
      'SELECT MIN(t) AS t FROM (SELECT MIN(ts_ms) AS t FROM probes WHERE target = ? UNION ALL SELECT MIN(from_ms) FROM probe_days WHERE target = ?)',
    )
    .get(target, target) as { t: number | null };
  return row.t;
}
