import type { TcoResult, TcoTerms, TcoYear } from './types.js';

/**
 * Total cost of ownership over `years`: the hardware paid in year one, electricity and maintenance every year, set
 * against what the same work costs in the cloud. Break-even spend is the total divided by the years (the cloud spend
 * at which owning and renting cost the same over the horizon); the break-even month is the first whose cumulative
 * cloud spend reaches the hardware plus the running costs so far. Pure.
 *
 * The plan's worked example: $12,000 + $50/month × 36 + $500/year × 3 = $12,000 + $1,800 + $1,500 = $15,300, so the
 * break-even cloud spend is $5,100 a year.
 */
export function computeTco(terms: TcoTerms): TcoResult {
  const months = Math.round(terms.years * 12);
  const runningUsdPerMonth = terms.electricityUsdPerMonth + terms.maintenanceUsdPerYear / 12;
  const byYear: TcoYear[] = [];
  let cumulativeUsd = 0;
  let cumulativeCloudUsd = 0;
  for (let year = 1; (year - 1) * 12 < months; year++) {
    const monthsThisYear = Math.min(12, months - (year - 1) * 12);
    const hardwareUsd = year === 1 ? terms.hardwareUsd : 0;
    const electricityUsd = terms.electricityUsdPerMonth * monthsThisYear;
    const maintenanceUsd = (terms.maintenanceUsdPerYear * monthsThisYear) / 12;
    const totalUsd = hardwareUsd + electricityUsd + maintenanceUsd;
    const cloudUsd = terms.cloudUsdPerMonth * monthsThisYear;
    cumulativeUsd += totalUsd;
    cumulativeCloudUsd += cloudUsd;
    byYear.push({
      year,
      hardwareUsd,
      electricityUsd,
      maintenanceUsd,
      totalUsd,
      cumulativeUsd,
      cloudUsd,
      cumulativeCloudUsd,
      cumulativeSavingsUsd: cumulativeCloudUsd - cumulativeUsd,
    });
  }
  const sum = (f: (y: TcoYear) => number) => byYear.reduce((s, y) => s + f(y), 0);
  const total = {
    hardwareUsd: sum((y) => y.hardwareUsd),
    electricityUsd: sum((y) => y.electricityUsd),
    maintenanceUsd: sum((y) => y.maintenanceUsd),
    totalUsd: cumulativeUsd,
    cloudUsd: cumulativeCloudUsd,
    savingsUsd: cumulativeCloudUsd - cumulativeUsd,
  };
  const breakEvenMonth = monthsToBreakEven(terms.hardwareUsd, terms.cloudUsdPerMonth - runningUsdPerMonth);
  return {
    terms,
    byYear,
    total,
    runningUsdPerMonth,
    breakEvenCloudUsdPerYear: months === 0 ? 0 : (total.totalUsd * 12) / months,
    breakEvenCloudUsdPerMonth: months === 0 ? 0 : total.totalUsd / months,
    breakEvenMonth,
    breakEvenWithinHorizon: breakEvenMonth !== null && breakEvenMonth <= months,
  };
}

/** Whole months until `upfrontUsd` is paid back at `marginUsdPerMonth`; null when the margin is not positive. */
export function monthsToBreakEven(upfrontUsd: number, marginUsdPerMonth: number): number | null {
  if (marginUsdPerMonth <= 0) return upfrontUsd <= 0 && marginUsdPerMonth === 0 ? 1 : null;
  // A cent of slack so that figures that meet exactly (12,000 / 1,000) are not pushed a month on by rounding.
  return Math.max(1, Math.ceil((upfrontUsd - 0.005) / marginUsdPerMonth));
}
