import type { StoredSuiteRun } from '../eval/eval-store.js';
import type { EnergyBucket, IncidentPiece, ProbeDay, UpgradeEventRow, UsageRow } from '../ledger/types.js';
import { computeEnergy } from './energy.js';
import { computeLatency } from './latency.js';
import { computeModelChanges } from './model-changes.js';
import { dayOf, type MonthRange, parseMonth } from './month-range.js';
import { computeQuality } from './quality.js';
import type { ReportSettings } from './report-settings.js';
import { computeSuccessMetrics } from './success-metrics.js';
import { computeTco } from './tco.js';
import { computeTokens, priceTokenTotals, type TokenTotal } from './tokens.js';
import type { MonthCosts, MonthlyReport } from './types.js';
import { computeUptime } from './uptime.js';

/** What the report is computed from: the month's rollups and usage, and totals of the months before it. */
export interface ReportInputs {
  range: MonthRange;
  nowMs: number;
  settings: ReportSettings;
  /** When readings start being expected (first record in the ledger, or the configured start date). */
  monitoringFromMs: number | null;
  energy: readonly EnergyBucket[];
  probeDays: readonly ProbeDay[];
  /** Incident pieces of the month and one day either side (to tell incidents that cross the month's edges). */
  incidentPieces: readonly IncidentPiece[];
  usage: readonly UsageRow[];
  /** Upgrade/rollback events of every attempt with an event in the month (whole, even past the month's edges). */
  upgradeEvents: readonly UpgradeEventRow[];
  /** Earlier months since the start month, for TCO: their energy rollups and token totals. */
  history: readonly { month: string; energy: readonly EnergyBucket[]; usage: readonly TokenTotal[] }[];
  /** The TCO start month (config, or the ledger's first record, or the report month). */
  startMonth: string;
  /** `ops eval` runs of the month and the stored baselines (absent: no quality section). */
  evalRuns?: readonly StoredSuiteRun[];
}

/** Computes the whole report from its inputs (pure: no clock, no I/O). */
export function buildReport(inputs: ReportInputs): MonthlyReport {
  const { range, settings, nowMs } = inputs;
  const warnings: string[] = [];
  const partial = nowMs < range.toMs;
  const expectedFromMs = inputs.monitoringFromMs ?? range.toMs;

  const uptime = computeUptime(inputs.probeDays, inputs.incidentPieces, {
    fromMs: range.fromMs,
    toMs: range.toMs,
    targetPercent: settings.targets.uptimePercent,
    primaryTarget: settings.targets.uptimeProbe,
  });
  if (uptime.primaryTarget === null)
    warnings.push('no probes in the ledger for this month: uptime is unknown (is `ops agent` running?)');
  else if (uptime.primaryTarget !== settings.targets.uptimeProbe) {
    warnings.push(
      `no probe target named "${settings.targets.uptimeProbe}"; the headline uptime is for "${uptime.primaryTarget}"`,
    );
  }

  const energy = computeEnergy(inputs.energy, settings.tariff, {
    fromMs: range.fromMs,
    toMs: range.toMs,
    expectedFromMs,
    expectedToMs: nowMs,
  });
  if (energy.expectedHours > 0 && energy.measuredHours < energy.expectedHours * 0.9) {
    warnings.push(
      `power was measured for ${energy.measuredHours.toFixed(1)} h of ${energy.expectedHours.toFixed(1)} h; the energy of the rest is unknown and not counted`,
    );
  }

  const tokens = computeTokens(inputs.usage, settings.prices, range);
  const unpriced = tokens.byModel.filter((l) => l.pricedAs.endsWith('(default)')).map((l) => l.model);
  if (unpriced.length > 0) {
    warnings.push(
      `models priced as "${settings.prices.localEquivalent}" because no price entry matches them: ${[...new Set(unpriced)].join(', ')}`,
    );
  }
  if (tokens.local.inputTokens > 0 && tokens.local.cacheReadTokens === 0) {
    warnings.push(
      'no prompt-cache reads were recorded for local traffic: every prompt token is priced at the full input rate, which overstates the cloud equivalent for clients that cache their prompts (Claude Code does); check that the engine reports cached tokens',
    );
  }
  const { assumed } = settings;
  if (assumed.tariff)
    warnings.push(
      `electricity is priced at a default tariff, not yours: ${assumed.tariff}; set tariff.usdPerKWh (or tariff.region) in config.yaml`,
    );
  if (assumed.hardwareCost)
    warnings.push(
      `the hardware cost is a default, not yours: ${assumed.hardwareCost}; set hardware.costUsd in config.yaml`,
    );
  if (assumed.maintenance)
    warnings.push(
      `maintenance is a default, not yours: ${assumed.maintenance}; set hardware.maintenanceUsdPerYear in config.yaml`,
    );
  const latency = computeLatency(inputs.usage, settings.targets.latencyS);

  const history: MonthCosts[] = inputs.history.map((h) => {
    const m = parseMonth(h.month);
    const e = computeEnergy(h.energy, settings.tariff, {
      ...m,
      expectedFromMs: m.fromMs,
      expectedToMs: m.toMs,
    });
    const lines = priceTokenTotals(h.usage, settings.prices);
    return {
      month: h.month,
      electricityUsd: e.total.costUsd,
      cloudEquivalentUsd: lines.filter((l) => l.route === 'local').reduce((s, l) => s + l.costUsd, 0),
      cloudSpendUsd: lines.filter((l) => l.route === 'cloud').reduce((s, l) => s + l.costUsd, 0),
    };
  });
  history.push({
    month: range.month,
    electricityUsd: energy.total.costUsd,
    cloudEquivalentUsd: tokens.cloudEquivalentUsd,
    cloudSpendUsd: tokens.cloudSpendUsd,
  });
  const tco = computeTco({
    hardwareUsd: settings.hardware.costUsd,
    lifetimeYears: settings.hardware.lifetimeYears,
    maintenanceUsdPerYear: settings.hardware.maintenanceUsdPerYear,
    // Months are YYYY-MM strings: the earlier sorts first (a start date after the report month starts it there).
    startMonth: [inputs.startMonth, range.month].sort()[0]!,
    reportMonth: range.month,
    actual: history,
  });
  const modelChanges = computeModelChanges(inputs.upgradeEvents, range);
  if (partial) warnings.push(`the month is not over: figures run to ${new Date(nowMs).toISOString()}`);

  return {
    month: range.month,
    period: {
      from: dayOf(range.fromMs),
      to: dayOf(range.toMs - 1),
      fromMs: range.fromMs,
      toMs: range.toMs,
      partial,
    },
    generatedAt: new Date(nowMs).toISOString(),
    profile: settings.profile,
    uptime,
    energy,
    tokens,
    latency,
    tco,
    modelChanges,
    metrics: computeSuccessMetrics(uptime, latency, tco, tokens, settings.targets.monthlyCostUsd),
    ...(inputs.evalRuns ? { quality: computeQuality(inputs.evalRuns, settings.targets.latencyS) } : {}),
    warnings,
  };
}
