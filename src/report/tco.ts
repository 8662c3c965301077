import { computeTco as computeOwnership } from '../tco/compute-tco.js';
import { monthsBetween, nextMonth } from './month-range.js';
import type { MonthCosts, TcoSection } from './types.js';

export interface TcoInputs {
  hardwareUsd: number;
  lifetimeYears: number;
  maintenanceUsdPerYear: number;
  /** First month in service (YYYY-MM). */
  startMonth: string;
  /** The report's month; months after it are projected. */
  reportMonth: string;
  /** Actual costs per month from the start month to the report month (missing months count as zero). */
  actual: readonly MonthCosts[];
  /** How many of the latest actual months set the run rate for the projection. */
  runRateMonths?: number;
}

/**
 * Total cost of ownership against the cloud. Local: the hardware (paid up front for the cash curve, spread over its
 * lifetime for "TCO to date"), electricity, maintenance, and the cloud spend of fallback traffic. Cloud: the local
 * tokens at cloud prices plus the same fallback spend. Months after the report month repeat the average of the
 * latest `runRateMonths` actual months; the break-even month is the first whose cumulative cloud cost reaches the
 * cumulative local cost.
 */
export function computeTco(inputs: TcoInputs): TcoSection {
  const horizonMonths = Math.round(inputs.lifetimeYears * 12);
  const maintenance = inputs.maintenanceUsdPerYear / 12;
  const monthsInService = Math.max(0, monthsBetween(inputs.startMonth, inputs.reportMonth) + 1);
  const byMonth = new Map(inputs.actual.map((m) => [m.month, m]));
  const actual: MonthCosts[] = [];
  let month = inputs.startMonth;
  for (let i = 0; i < monthsInService; i++, month = nextMonth(month)) {
    actual.push(byMonth.get(month) ?? { month, electricityUsd: 0, cloudEquivalentUsd: 0, cloudSpendUsd: 0 });
  }
  const recent = actual.slice(-(inputs.runRateMonths ?? 3));
  const mean = (f: (m: MonthCosts) => number) =>
    recent.length ? recent.reduce((s, m) => s + f(m), 0) / recent.length : 0;
  const rate = {
    electricityUsd: mean((m) => m.electricityUsd),
    cloudEquivalentUsd: mean((m) => m.cloudEquivalentUsd),
    cloudSpendUsd: mean((m) => m.cloudSpendUsd),
  };

  const series: TcoSection['series'] = [];
  let cumLocal = inputs.hardwareUsd;
  let cumCloud = 0;
  let breakEvenMonth: string | null = null;
  let breakEvenProjected = false;
  month = inputs.startMonth;
  for (let i = 0; i < Math.max(horizonMonths, monthsInService); i++, month = nextMonth(month)) {
    const projected = i >= monthsInService;
    const m = projected ? rate : actual[i]!;
    cumLocal += m.electricityUsd + maintenance + m.cloudSpendUsd;
    cumCloud += m.cloudEquivalentUsd + m.cloudSpendUsd;
    series.push({ month, cumLocalUsd: cumLocal, cumCloudUsd: cumCloud, projected });
    if (breakEvenMonth === null && cumCloud >= cumLocal && cumCloud > 0) {
      breakEvenMonth = month;
      breakEvenProjected = projected;
    }
  }

  const sum = (f: (m: MonthCosts) => number) => actual.reduce((s, m) => s + f(m), 0);
  const electricityUsd = sum((m) => m.electricityUsd);
  const cloudSpendUsd = sum((m) => m.cloudSpendUsd);
  const hardwareAmortisedUsd = inputs.hardwareUsd * Math.min(1, monthsInService / horizonMonths);
  const maintenanceUsd = maintenance * monthsInService;
  const totalUsd = hardwareAmortisedUsd + electricityUsd + maintenanceUsd + cloudSpendUsd;
  const cloudUsd = sum((m) => m.cloudEquivalentUsd) + cloudSpendUsd;
  const atHorizon = series[horizonMonths - 1] ?? series.at(-1);
  const thisMonth = actual.at(-1);
  return {
    hardwareUsd: inputs.hardwareUsd,
    lifetimeYears: inputs.lifetimeYears,
    horizonMonths,
    startMonth: inputs.startMonth,
    monthsInService,
    maintenanceUsdPerMonth: maintenance,
    toDate: {
      hardwareAmortisedUsd,
      electricityUsd,
      maintenanceUsd,
      cloudSpendUsd,
      totalUsd,
      cloudUsd,
      savingsUsd: cloudUsd - totalUsd,
    },
    overHorizon: {
      totalUsd: atHorizon?.cumLocalUsd ?? inputs.hardwareUsd,
      cloudUsd: atHorizon?.cumCloudUsd ?? 0,
      savingsUsd: (atHorizon?.cumCloudUsd ?? 0) - (atHorizon?.cumLocalUsd ?? inputs.hardwareUsd),
    },
    monthlyCostAfterHardwareUsd: thisMonth
      ? thisMonth.electricityUsd + maintenance + thisMonth.cloudSpendUsd
      : maintenance,
    breakEvenMonth,
    breakEvenProjected,
    projectionPerMonth: rate,
    series,
    // The same arithmetic as `ops tco`, on the measured run rate: the work served locally is what the cloud would
    // otherwise be paid for; the fallback spend is paid either way, so it is left out of both sides.
    lifetime: computeOwnership({
      hardwareUsd: inputs.hardwareUsd,
      years: inputs.lifetimeYears,
      maintenanceUsdPerYear: inputs.maintenanceUsdPerYear,
      electricityUsdPerMonth: rate.electricityUsd,
      cloudUsdPerMonth: rate.cloudEquivalentUsd,
    }),
  };
}
