import type { Weekday } from '../config/ops-config.js';
import type { Tariff } from '../report/tariff.js';

/** The money inputs of a total cost of ownership, per month or year as named. */
export interface TcoTerms {
  hardwareUsd: number;
  years: number;
  maintenanceUsdPerYear: number;
  electricityUsdPerMonth: number;
  /** What the same work costs in the cloud now (or would cost), per month. */
  cloudUsdPerMonth: number;
}

/** One year of ownership: each term, the total, and the cloud alongside. */
export interface TcoYear {
  year: number;
  hardwareUsd: number;
  electricityUsd: number;
  maintenanceUsd: number;
  totalUsd: number;
  cumulativeUsd: number;
  cloudUsd: number;
  cumulativeCloudUsd: number;
  /** Cloud minus local, cumulative to the end of this year (negative: local costs more so far). */
  cumulativeSavingsUsd: number;
}

export interface TcoResult {
  terms: TcoTerms;
  byYear: TcoYear[];
  total: {
    hardwareUsd: number;
    electricityUsd: number;
    maintenanceUsd: number;
    totalUsd: number;
    cloudUsd: number;
    savingsUsd: number;
  };
  /** Running cost once the hardware is paid: electricity + maintenance / 12. */
  runningUsdPerMonth: number;
  /** The cloud spend at which owning breaks even over the horizon: total cost / years (and / months). */
  breakEvenCloudUsdPerYear: number;
  breakEvenCloudUsdPerMonth: number;
  /** Months from purchase until the cumulative cloud spend reaches the cumulative local cost; null: never. */
  breakEvenMonth: number | null;
  /** The break-even month falls within the horizon (years × 12). */
  breakEvenWithinHorizon: boolean;
}

/** When the box works: watts at load and at idle, load hours on which days from which local hour. */
export interface UsageSchedule {
  loadW: number;
  idleW: number;
  hoursPerDay: number;
  days: readonly Weekday[];
  /** Local hour the working day starts (load runs from here for hoursPerDay). */
  startHour: number;
}

/** Electricity of a schedule under a tariff, per average month. */
export interface ElectricityEstimate {
  kWhPerMonth: number;
  usdPerMonth: number;
  byBand: { band: string; usdPerKWh: number; kWhPerMonth: number; usdPerMonth: number }[];
}

export type { Tariff };
