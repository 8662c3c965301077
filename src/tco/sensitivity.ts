import { computeTco } from './compute-tco.js';
import { scaleTariff, scheduleElectricity } from './schedule-electricity.js';
import type { Tariff, TcoTerms, UsageSchedule } from './types.js';

/** One what-if: the input changed, and what it does to the outcome. */
export interface SensitivityRow {
  factor: 'tariff' | 'utilisation' | 'cloud price';
  /** The changed input as a person reads it (`×1.5`, `12 h/day`). */
  value: string;
  /** True for the row that is the scenario itself. */
  base: boolean;
  electricityUsdPerMonth: number;
  cloudUsdPerMonth: number;
  totalUsd: number;
  savingsUsd: number;
  breakEvenMonth: number | null;
}

export const TARIFF_FACTORS = [0.5, 1, 1.5, 2] as const;
export const UTILISATION_HOURS = [4, 8, 12, 24] as const;
export const CLOUD_PRICE_FACTORS = [0.5, 0.75, 1, 1.25, 1.5] as const;

/**
 * How the outcome moves with the inputs people are least sure of: the electricity price, how many hours a day the
 * box works, and what the cloud charges (prices fall; usage grows). Each row changes one input and keeps the rest.
 * When electricity was given as a monthly figure (no schedule), the tariff rows scale it and utilisation is left out.
 */
export function sensitivity(
  terms: TcoTerms,
  electricity: { schedule: UsageSchedule; tariff: Tariff } | null,
): SensitivityRow[] {
  const rows: SensitivityRow[] = [];
  const row = (
    factor: SensitivityRow['factor'],
    value: string,
    base: boolean,
    changed: Partial<TcoTerms>,
  ) => {
    const t = computeTco({ ...terms, ...changed });
    rows.push({
      factor,
      value,
      base,
      electricityUsdPerMonth: t.terms.electricityUsdPerMonth,
      cloudUsdPerMonth: t.terms.cloudUsdPerMonth,
      totalUsd: t.total.totalUsd,
      savingsUsd: t.total.savingsUsd,
      breakEvenMonth: t.breakEvenMonth,
    });
  };
  for (const f of TARIFF_FACTORS) {
    const usd = electricity
      ? scheduleElectricity(electricity.schedule, scaleTariff(electricity.tariff, f)).usdPerMonth
      : terms.electricityUsdPerMonth * f;
    row('tariff', `×${f}`, f === 1, { electricityUsdPerMonth: usd });
  }
  if (electricity) {
    const hours = [...new Set([...UTILISATION_HOURS, electricity.schedule.hoursPerDay])].sort(
      (a, b) => a - b,
    );
    for (const h of hours) {
      const usd = scheduleElectricity(
        { ...electricity.schedule, hoursPerDay: h },
        electricity.tariff,
      ).usdPerMonth;
      row('utilisation', `${h} h/day`, h === electricity.schedule.hoursPerDay, {
        electricityUsdPerMonth: usd,
      });
    }
  }
  for (const f of CLOUD_PRICE_FACTORS) {
    row('cloud price', `×${f}`, f === 1, { cloudUsdPerMonth: terms.cloudUsdPerMonth * f });
  }
  return rows;
}
