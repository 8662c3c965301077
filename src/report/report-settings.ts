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
}

/** Hours in an average month (8766 h a year / 12), as used for "per month" electricity figures. */
const HOURS_PER_MONTH = 730.5;

/**
 * Fills the config's gaps from the profile: hardware cost (the profile's typical price), lifetime, maintenance, and
 * a flat electricity price implied by the profile's electricity per month at its typical power.
 */
export function resolveReportSettings(
  config: OpsConfig,
  profile: Profile,
  defaultPrices: PriceList,
): ReportSettings {
  const impliedUsdPerKWh =
    profile.defaults.typicalPowerW > 0
      ? profile.tco.electricityUsdPerMonth / ((profile.defaults.typicalPowerW / 1000) * HOURS_PER_MONTH)
      : 0.17;
  const start = config.hardware.startDate;
  return {
    profile: { id: profile.id, title: profile.title },
    tariff: {
      usdPerKWh: config.tariff.usdPerKWh ?? round4(impliedUsdPerKWh),
      bands: config.tariff.bands,
      timezone: config.tariff.timezone,
    },
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
  };
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
