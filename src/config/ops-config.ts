import { z } from 'zod';
import { TARIFF_REGIONS } from './default-tariffs.js';

/**
 * `$OPS_HOME/config.yaml`: what the agent and the report need that the hardware cannot tell — the tariff, cloud
 * prices, what the box cost and since when, the power of the parts nothing measures, and what to probe. Every
 * section is optional; missing values come from the hardware profile and from src/report/default-prices.yaml.
 */
const usd = z.number().min(0);
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const quarterHour = (max: number) =>
  z
    .number()
    .min(0)
    .max(max)
    .refine((h) => Number.isInteger(h * 4), 'must be a whole number of quarter hours (e.g. 7, 7.5, 21.25)');

/** A time-of-use band: a price for the hours [fromHour, toHour) on the given weekdays (wraps past midnight). */
export const tariffBandSchema = z.strictObject({
  name: z.string().min(1),
  usdPerKWh: usd,
  days: z
    .array(z.enum(WEEKDAYS))
    .min(1)
    .default([...WEEKDAYS]),
  fromHour: quarterHour(24),
  toHour: quarterHour(24),
});

export const tariffSchema = z.strictObject({
  /** Where the box runs: picks a default flat price (src/config/default-tariffs.ts) when `usdPerKWh` is not given. */
  region: z.enum(TARIFF_REGIONS).optional(),
  /** The flat price, and the price of any time outside every band. Default: the region's typical price. */
  usdPerKWh: usd.optional(),
  /** Time-of-use bands, first match wins; empty = flat tariff. */
  bands: z.array(tariffBandSchema).default([]),
  /** IANA time zone the band hours are in. */
  timezone: z
    .string()
    .default('UTC')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'not a known IANA time zone (e.g. Europe/Berlin, America/New_York)'),
});

/**
 * One model's cloud prices per million tokens: plain input, output, prompt-cache reads and (5-minute) cache writes.
 * A price list that leaves the cache rates out gets Anthropic's multipliers of the input price: reads 0.1×, 5-minute
 * writes 1.25× (docs.anthropic.com/en/docs/about-claude/pricing, "Prompt caching").
 */
export const modelPriceSchema = z
  .strictObject({
    id: z.string().min(1),
    match: z.array(z.string().min(1)).min(1),
    inputUsdPerMTok: usd,
    outputUsdPerMTok: usd,
    cacheReadUsdPerMTok: usd.optional(),
    cacheWriteUsdPerMTok: usd.optional(),
  })
  .transform((m) => ({
    ...m,
    cacheReadUsdPerMTok: m.cacheReadUsdPerMTok ?? round6(m.inputUsdPerMTok * CACHE_READ_MULTIPLIER),
    cacheWriteUsdPerMTok: m.cacheWriteUsdPerMTok ?? round6(m.inputUsdPerMTok * CACHE_WRITE_MULTIPLIER),
  }));

/** Anthropic's prompt-cache prices as multiples of the base input price (reads; 5-minute writes). */
export const CACHE_READ_MULTIPLIER = 0.1;
export const CACHE_WRITE_MULTIPLIER = 1.25;
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

export const pricesSchema = z.strictObject({
  /** The date the prices were read from their source (YYYY-MM-DD). */
  asOf: z.union([z.string(), z.date()]).optional(),
  /** Where they were read (a URL or a document name). */
  source: z.string().min(1).optional(),
  localEquivalent: z.string().min(1),
  models: z.array(modelPriceSchema).min(1),
});

export const probeTargetSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore only'),
  url: z.url(),
});

export const opsConfigSchema = z.strictObject({
  /** Hardware profile id for TCO defaults; default: classify the detected hardware. */
  profile: z.string().optional(),
  tariff: tariffSchema.default({ bands: [], timezone: 'UTC' }),
  /** Replaces the default price list as a whole when given. */
  prices: pricesSchema.optional(),
  hardware: z
    .strictObject({
      costUsd: usd.optional(),
      /** When the box went into service: the first month of TCO and break-even. Default: the ledger's first record. */
      startDate: z.union([z.iso.date(), z.date()]).optional(),
      lifetimeYears: z.number().gt(0).max(20).optional(),
      maintenanceUsdPerYear: usd.optional(),
    })
    .default({}),
  energy: z
    .strictObject({
      /** Power of everything no sensor measures (board, disks, fans, PSU losses), written by the agent. */
      restOfSystemW: z.number().min(0).default(60),
      /** Power readings further apart than this leave the time between them unknown (not interpolated). */
      maxGapS: z.number().positive().default(60),
      /** Energy-counter readings further apart than this are not trusted (a reboot may have reset the counter). */
      maxCounterGapS: z.number().positive().default(3600),
    })
    .default({ restOfSystemW: 60, maxGapS: 60, maxCounterGapS: 3600 }),
  agent: z
    .strictObject({
      sampleIntervalS: z.number().min(0.1).max(3600).default(10),
      /** Must divide a day (uptime slots are aligned to midnight UTC). */
      probeIntervalS: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .refine((s) => 86_400 % s === 0, 'must divide 86400 (e.g. 10, 15, 30, 60)')
        .default(30),
      probeTimeoutS: z.number().positive().default(5),
      /** Raw samples and probes older than this are deleted once rolled up; rollups are kept indefinitely. */
      rawRetentionDays: z.number().min(1).default(35),
      metricsPort: z.number().int().min(0).max(65535).default(9470),
      metricsHost: z.string().default('127.0.0.1'),
      /** Extra probe targets; the gateway and engines of the current Plan are added automatically. */
      probes: z.array(probeTargetSchema).default([]),
      /** Where to scrape DCGM exporter metrics (energy counters), when one runs. */
      dcgmUrl: z.url().optional(),
      /** A smart plug / PDU: GET this URL; the JSON field (dotted path) holds whole-system watts. */
      plug: z.strictObject({ url: z.url(), field: z.string().min(1).default('apower') }).optional(),
    })
    .default({
      sampleIntervalS: 10,
      probeIntervalS: 30,
      probeTimeoutS: 5,
      rawRetentionDays: 35,
      metricsPort: 9470,
      metricsHost: '127.0.0.1',
      probes: [],
    }),
  targets: z
    .strictObject({
      uptimePercent: z.number().min(0).max(100).default(99),
      latencyS: z.number().positive().default(30),
      monthlyCostUsd: usd.default(100),
      /** Which probe target the headline uptime is about. */
      uptimeProbe: z.string().default('gateway'),
    })
    .default({ uptimePercent: 99, latencyS: 30, monthlyCostUsd: 100, uptimeProbe: 'gateway' }),
});

export type OpsConfig = z.infer<typeof opsConfigSchema>;
export type TariffConfig = z.infer<typeof tariffSchema>;
export type TariffBand = z.infer<typeof tariffBandSchema>;
export type PriceList = z.infer<typeof pricesSchema>;
export type ModelPriceEntry = z.infer<typeof modelPriceSchema>;
export type ProbeTargetConfig = z.infer<typeof probeTargetSchema>;
