// Types only: ops-config.ts imports TARIFF_REGIONS from here.
import type { TariffBand, TariffConfig } from './ops-config.js';

/**
 * Default flat electricity prices by region, for when the user has not entered their own (`tariff.usdPerKWh` in
 * config.yaml, `--usd-per-kwh` on `ops tco`). They are typical 2025 household prices with taxes, converted to US
 * dollars at 2025 average exchange rates (EUR 1.10, GBP 1.28, JPY 0.0066, CAD 0.72, AUD 0.65, INR 0.0116), rounded
 * to the cent, from the regulators' and statistics offices' published averages named beside each. They are DEFAULTS:
 * every report and TCO that uses one says so, because a bill's own price (and a business tariff, often lower) can
 * differ by half.
 */
export const TARIFF_REGIONS = [
  'us',
  'us-ca',
  'us-tx',
  'ca',
  'uk',
  'de',
  'fr',
  'eu',
  'jp',
  'au',
  'in',
] as const;
export type TariffRegion = (typeof TARIFF_REGIONS)[number];

export interface DefaultTariff {
  region: TariffRegion;
  name: string;
  usdPerKWh: number;
  /** Where the figure comes from (the published average it is rounded from). */
  basis: string;
}

export const DEFAULT_TARIFFS: Readonly<Record<TariffRegion, DefaultTariff>> = {
  us: {
    region: 'us',
    name: 'United States (average)',
    usdPerKWh: 0.17,
    basis: 'EIA average residential price, 2025: about 17 ¢/kWh',
  },
  'us-ca': {
    region: 'us-ca',
    name: 'California',
    usdPerKWh: 0.31,
    basis: 'EIA California residential price, 2025: about 31 ¢/kWh',
  },
  'us-tx': {
    region: 'us-tx',
    name: 'Texas',
    usdPerKWh: 0.15,
    basis: 'EIA Texas residential price, 2025: about 15 ¢/kWh',
  },
  ca: {
    region: 'ca',
    name: 'Canada (average)',
    usdPerKWh: 0.13,
    basis: 'Canadian residential average, 2025: about C$0.18/kWh',
  },
  uk: {
    region: 'uk',
    name: 'United Kingdom',
    usdPerKWh: 0.33,
    basis: 'Ofgem price cap unit rate, 2025: about 26 p/kWh',
  },
  de: {
    region: 'de',
    name: 'Germany',
    usdPerKWh: 0.43,
    basis: 'BDEW average household price, 2025: about 39 ct/kWh',
  },
  fr: {
    region: 'fr',
    name: 'France',
    usdPerKWh: 0.22,
    basis: 'Tarif bleu (regulated) base rate, 2025: about 0.20 €/kWh',
  },
  eu: {
    region: 'eu',
    name: 'European Union (average)',
    usdPerKWh: 0.32,
    basis: 'Eurostat EU household average, 2025: about 0.29 €/kWh',
  },
  jp: {
    region: 'jp',
    name: 'Japan',
    usdPerKWh: 0.21,
    basis: 'Japanese household average, 2025: about ¥31/kWh',
  },
  au: {
    region: 'au',
    name: 'Australia',
    usdPerKWh: 0.22,
    basis: 'Australian household average, 2025: about A$0.33/kWh',
  },
  in: {
    region: 'in',
    name: 'India',
    usdPerKWh: 0.09,
    basis: 'Indian urban household average, 2025: about ₹8/kWh',
  },
};

/** The region assumed when the user names none. */
export const DEFAULT_TARIFF_REGION: TariffRegion = 'us';

/** A tariff ready for pricing, with words for it and whether its price is a default. */
export interface ResolvedTariff {
  usdPerKWh: number;
  bands: TariffBand[];
  timezone: string;
  label: string;
  isDefault: boolean;
  basis: string;
}

/**
 * The tariff to price electricity with: the user's own price (and time-of-use bands) when given, else the default
 * of their region (or of `DEFAULT_TARIFF_REGION`), labelled as a default.
 */
export function resolveTariff(
  config: Pick<TariffConfig, 'usdPerKWh' | 'bands' | 'timezone' | 'region'>,
  override: { usdPerKWh?: number; region?: TariffRegion; where?: string } = {},
): ResolvedTariff {
  const region = override.region ?? config.region;
  const own = override.usdPerKWh ?? config.usdPerKWh;
  const bands = override.usdPerKWh !== undefined ? [] : config.bands;
  const tou =
    bands.length > 0
      ? ` with ${bands.length} time-of-use band${bands.length === 1 ? '' : 's'} (${config.timezone})`
      : '';
  if (own !== undefined) {
    return {
      usdPerKWh: own,
      bands,
      timezone: config.timezone,
      label: `$${own}/kWh${tou}`,
      isDefault: false,
      basis: override.usdPerKWh !== undefined ? (override.where ?? 'given') : 'config.yaml tariff',
    };
  }
  const d = DEFAULT_TARIFFS[region ?? DEFAULT_TARIFF_REGION];
  return {
    usdPerKWh: d.usdPerKWh,
    bands,
    timezone: config.timezone,
    label: `$${d.usdPerKWh}/kWh${tou}, typical for ${d.name}`,
    isDefault: true,
    basis: `${region ? `region ${d.region}` : `no region given, assumed ${d.region}`}: ${d.basis}`,
  };
}
