import { readSuiteRuns } from '../eval/eval-store.js';
import type { Ledger } from '../ledger/ledger.js';
import {
  completeDays,
  energyBuckets,
  energyBucketsBySource,
  incidentPieces as storedIncidentPieces,
  probeDays as storedProbeDays,
} from '../ledger/rollup-store.js';
import { computeDayRollups } from '../ledger/rollups.js';
import { DAY_MS, type EnergyBucket, type IncidentPiece, type ProbeDay } from '../ledger/types.js';
import type { ReportInputs } from './build-report.js';
import { monthOf, nextMonth, parseMonth } from './month-range.js';
import type { ReportSettings } from './report-settings.js';

/**
 * Reads what the report for `month` needs from the ledger: the stored rollups of days that are complete, and — for
 * days not rolled up yet (today, or a ledger the agent has not rolled up) — rollups computed now from the raw rows,
 * in memory only: the report never writes to the ledger (the agent is its writer).
 */
export function gatherReportInputs(
  ledger: Ledger,
  month: string,
  settings: ReportSettings,
  nowMs: number,
): ReportInputs {
  const range = parseMonth(month);
  const fromMs = range.fromMs - DAY_MS;
  const toMs = range.toMs + DAY_MS;
  const complete = completeDays(ledger, fromMs, toMs);

  const energy: EnergyBucket[] = energyBuckets(ledger, range.fromMs, range.toMs).filter((b) =>
    complete.has(dayOfBucket(b.bucketMs)),
  );
  const probeDays: ProbeDay[] = storedProbeDays(ledger, range.fromMs, range.toMs).filter((d) =>
    complete.has(d.dayMs),
  );
  const incidentPieces: IncidentPiece[] = storedIncidentPieces(ledger, fromMs, toMs).filter((p) =>
    complete.has(dayOfBucket(p.startMs)),
  );
  for (let day = fromMs; day < Math.min(toMs, nowMs); day += DAY_MS) {
    if (complete.has(day)) continue;
    const r = computeDayRollups(ledger, day, nowMs, settings.rollup);
    if (day >= range.fromMs && day < range.toMs) {
      energy.push(...r.energy);
      probeDays.push(...r.probeDays);
    }
    incidentPieces.push(...r.incidents);
  }

  const earliest = ledger.earliestRecordMs();
  const startMonth = settings.hardware.startMonth ?? (earliest === null ? month : monthOf(earliest));
  const history: ReportInputs['history'][number][] = [];
  for (let m = startMonth; m < month; m = nextMonth(m)) {
    const r = parseMonth(m);
    history.push({
      month: m,
      energy: energyBucketsBySource(ledger, r.fromMs, r.toMs),
      usage: ledger.usageTotals(r.fromMs, r.toMs),
    });
  }
  return {
    range,
    nowMs,
    settings,
    monitoringFromMs: earliest,
    energy,
    probeDays,
    incidentPieces,
    usage: ledger.usage(range.fromMs, range.toMs),
    upgradeEvents: ledger.eventsOfAttempts(range.fromMs, range.toMs),
    history,
    startMonth,
    evalRuns: readSuiteRuns(ledger, range.fromMs, range.toMs),
  };
}

const dayOfBucket = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
