import { resolveTariff } from '../config/default-tariffs.js';
import type { OpsConfig, PriceList } from '../config/ops-config.js';
import type { RollupSettings } from '../ledger/rollups.js';
import type { Profile } from '../profiles/types.js';
import type { Tariff } from './tariff.js';

/** Everything the report needs from config and profile, with the profile's defaults filled in. */
export interface ReportSettings {
  profile: { id: string; title: string };
  tariff: Tariff;
  prices: PriceList;
  hardware: {
    costUsd: number;
    lifetimeYears: number;
    maintenanceUsdPerYear: number;
    startMonth: string | null;
  };
  targets: OpsConfig['targets'];
  rollup: RollupSettings;
  /**
   * Inputs that are defaults rather than the user's own figures, each with what stood in for it: the report warns
   * about each, because a default tariff or hardware price can move the savings and the break-even month a lot.
   */
  assumed: { tariff: string | null; hardwareCost: string | null; maintenance: string | null };
}

/**
 * Fills the config's gaps: hardware cost (the profile's typical price), lifetime and maintenance from the profile,
 * and a flat electricity price typical for the configured region (src/config/default-tariffs.ts). Each gap filled
 * is listed in `assumed`.
 */
export function resolveReportSettings(
  config: OpsConfig,
  profile: Profile,
  defaultPrices: PriceList,
): ReportSettings {
  const tariff = resolveTariff(config.tariff);
  const start = config.hardware.startDate;
  return {
    profile: { id: profile.id, title: profile.title },
    tariff: { usdPerKWh: tariff.usdPerKWh, bands: tariff.bands, timezone: tariff.timezone },
    prices: config.prices ?? defaultPrices,
    hardware: {
      costUsd: config.hardware.costUsd ?? profile.tco.hardwareCostUsd.typical,
      lifetimeYears: config.hardware.lifetimeYears ?? profile.tco.lifetimeYears,
      maintenanceUsdPerYear: config.hardware.maintenanceUsdPerYear ?? profile.tco.maintenanceUsdPerYear,
      startMonth:
        start === undefined ? null : (start instanceof Date ? start.toISOString() : start).slice(0, 7),
    },
    targets: config.targets,
    rollup: {
      probeIntervalS: config.agent.probeIntervalS,
      maxGapS: config.energy.maxGapS,
      maxCounterGapS: config.energy.maxCounterGapS,
    },
    assumed: {
      tariff: tariff.isDefault ? `${tariff.label} (${tariff.basis})` : null,
      hardwareCost:
        config.hardware.costUsd === undefined
          ? `$${profile.tco.hardwareCostUsd.typical}, the typical price of the ${profile.id} profile`
          : null,
      maintenance:
        config.hardware.maintenanceUsdPerYear === undefined
          ? `$${profile.tco.maintenanceUsdPerYear}/year, the ${profile.id} profile's figure`
          : null,
    },
  };
}
