import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadActiveCatalog } from '../../catalog/active-catalog.js';
import { resolveTariff, TARIFF_REGIONS, type TariffRegion } from '../../config/default-tariffs.js';
import { configPath, loadDefaultPrices, loadOpsConfig } from '../../config/load-config.js';
import type { Weekday } from '../../config/ops-config.js';
import { OpsError } from '../../core/errors.js';
import { gpuInfoOf } from '../../planner/inventory-to-hardware.js';
import { loadHardwareSpec } from '../../planner/load-hardware.js';
import { classify } from '../../profiles/classify.js';
import { loadProfiles } from '../../profiles/load-profiles.js';
import { defaultProfilesDir } from '../../profiles/profiles-dir.js';
import { parseCloudUsageCsv } from '../../tco/cloud-usage-csv.js';
import { loadGpuPowerTable, machinePower, REST_OF_SYSTEM_W } from '../../tco/gpu-power.js';
import { renderTcoHtml, renderTcoMarkdown } from '../../tco/render-tco.js';
import { buildTcoScenario, type Sourced, type TcoReport } from '../../tco/tco-scenario.js';
import { decimalOption, nonNegativeNumber, nonNegativeNumberList } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

interface TcoOptions {
  hardware?: string[];
  hardwareCost?: number[];
  wattsLoad?: number;
  wattsIdle?: number;
  hoursPerDay?: number;
  days?: string;
  startHour?: number;
  region?: string;
  usdPerKwh?: number;
  electricityUsdPerMonth?: number;
  maintenanceUsdPerYear?: number;
  years?: number;
  cloudUsdPerMonth?: number;
  cloudUsageCsv?: string;
  config?: string;
  format: string;
  json?: boolean;
  out?: string;
}

const FORMATS = ['md', 'html', 'json'] as const;
const WEEK: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const EXAMPLES_DIR = fileURLToPath(new URL('../../../hardware-profiles/examples', import.meta.url));

/** `ops tco`: total cost of ownership of hardware not bought yet, against what the team spends on the cloud. */
export const registerTcoCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('tco')
    .description(
      'total cost of ownership before buying: TCO by year with each term, break-even cloud spend and month, sensitivity',
    )
    .option(
      '--hardware <file...>',
      'hardware YAML files to compare (default: hardware-profiles/examples/*.yaml)',
    )
    .option(
      '--hardware-cost <usd[,usd…]>',
      'price of each option, in the order of --hardware (default: the profile’s typical price)',
      nonNegativeNumberList,
    )
    .option(
      '--watts-load <W>',
      'measured whole-system watts under load (default: catalog GPU TDPs + rest of system)',
      nonNegativeNumber,
    )
    .option(
      '--watts-idle <W>',
      'measured whole-system watts idle (default: catalog GPU idle + rest of system)',
      nonNegativeNumber,
    )
    .option(
      '--hours-per-day <h>',
      'hours a day the box works at load (default: 8)',
      decimalOption({ min: 0, max: 24 }),
    )
    .option(
      '--days <list>',
      'days it works: mon-fri, every-day, or a list like mon,tue,sat (default: mon-fri)',
    )
    .option(
      '--start-hour <h>',
      'local hour the working day starts; matters with time-of-use tariffs (default: 9)',
      decimalOption({ min: 0, below: 24 }),
    )
    .option('--region <id>', `default electricity price of a region: ${TARIFF_REGIONS.join(', ')}`)
    .option(
      '--usd-per-kwh <price>',
      'your flat electricity price (default: config tariff, else the region’s)',
      nonNegativeNumber,
    )
    .option(
      '--electricity-usd-per-month <usd>',
      'electricity per month outright (replaces watts × hours × tariff)',
      nonNegativeNumber,
    )
    .option(
      '--maintenance-usd-per-year <usd>',
      'maintenance per year (default: the profile’s)',
      nonNegativeNumber,
    )
    .option(
      '--years <n>',
      'horizon in years (default: the profile’s lifetime)',
      decimalOption({ above: 0, max: 20 }),
    )
    .option(
      '--cloud-usd-per-month <usd>',
      'what the team spends on the cloud now, per month',
      nonNegativeNumber,
    )
    .option(
      '--cloud-usage-csv <file>',
      'the usage or cost CSV exported from Anthropic’s console (instead of a monthly figure)',
    )
    .option(
      '--config <file>',
      'tariff (time-of-use bands, region) and prices (default: $OPS_HOME/config.yaml)',
    )
    .option('--format <md|html|json>', 'output format', 'md')
    .option('--json', 'same as --format json')
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
Example (the plan's worked example: $12,000 + $50/month + $500/year over 3 years = $15,300):
  ops tco --hardware hardware-profiles/examples/2x-rtx-4090.yaml --hardware-cost 12000 \\
    --electricity-usd-per-month 50 --maintenance-usd-per-year 500 --years 3 --cloud-usd-per-month 600

Every input left out is a default (the profile's typical price, catalog TDPs, the region's typical tariff), and
the output says which.`,
    )
    .action((options: TcoOptions) => {
      const context = getContext();
      const format = options.json ? 'json' : options.format;
      if (!(FORMATS as readonly string[]).includes(format)) {
        throw new OpsError(`unknown format "${format}"`, {
          exitCode: 2,
          hint: `use one of: ${FORMATS.join(', ')}`,
        });
      }
      const report = buildReportFromOptions(options, options.config ?? configPath(context.state));
      const text =
        format === 'json'
          ? `${JSON.stringify(report, null, 2)}\n`
          : format === 'html'
            ? renderTcoHtml(report)
            : renderTcoMarkdown(report);
      if (options.out) {
        writeFileSync(options.out, text);
        context.bus.emit({ kind: 'log', level: 'info', message: `wrote the TCO to ${options.out}` });
      } else process.stdout.write(text);
    });
};

function buildReportFromOptions(options: TcoOptions, configFile: string): TcoReport {
  const config = loadOpsConfig(configFile);
  const profiles = loadProfiles(defaultProfilesDir());
  const catalog = loadActiveCatalog();
  const powerTable = loadGpuPowerTable();
  const files =
    options.hardware ??
    readdirSync(EXAMPLES_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(EXAMPLES_DIR, f));
  const costs = options.hardwareCost ?? [];
  if (costs.length > 1 && costs.length !== files.length) {
    throw new OpsError(`--hardware-cost has ${costs.length} prices for ${files.length} hardware options`, {
      exitCode: 2,
      hint: 'give one price for all, or one per --hardware file in the same order',
    });
  }
  const region = options.region as TariffRegion | undefined;
  if (region !== undefined && !(TARIFF_REGIONS as readonly string[]).includes(region)) {
    throw new OpsError(`unknown region "${region}"`, {
      exitCode: 2,
      hint: `use one of: ${TARIFF_REGIONS.join(', ')}`,
    });
  }
  const tariff = resolveTariff(config.tariff, {
    region,
    ...(options.usdPerKwh === undefined ? {} : { usdPerKWh: options.usdPerKwh }),
    where: '--usd-per-kwh',
  });
  const hoursPerDay = options.hoursPerDay ?? 8;
  const startHour = options.startHour ?? 9;
  const given =
    options.hoursPerDay !== undefined || options.days !== undefined || options.startHour !== undefined;
  const schedule = {
    value: { hoursPerDay, startHour, days: parseDays(options.days ?? 'mon-fri') },
    isDefault: !given,
    basis: given ? '--hours-per-day / --days / --start-hour' : 'a working day: 8 h, Mon–Fri, from 09:00',
  };
  const warnings: string[] = [];
  let cloud: Sourced<number>;
  if (options.cloudUsageCsv) {
    let text: string;
    try {
      text = readFileSync(options.cloudUsageCsv, 'utf8');
    } catch (cause) {
      throw new OpsError(`cannot read ${options.cloudUsageCsv}`, { cause, exitCode: 2 });
    }
    const spend = parseCloudUsageCsv(
      text,
      config.prices ?? loadDefaultPrices(),
      basename(options.cloudUsageCsv),
    );
    warnings.push(...spend.warnings);
    cloud = {
      value: spend.usdPerMonth,
      isDefault: false,
      basis: `${basename(options.cloudUsageCsv)}: $${spend.totalUsd.toFixed(2)} over ${spend.days ?? '?'} days (${spend.fromDay ?? '?'} – ${spend.toDay ?? '?'}), ${spend.basis}`,
    };
  } else if (options.cloudUsdPerMonth !== undefined) {
    cloud = {
      value: options.cloudUsdPerMonth,
      isDefault: false,
      basis: '--cloud-usd-per-month',
    };
  } else {
    cloud = {
      value: 0,
      isDefault: true,
      basis: 'none given: pass --cloud-usd-per-month or --cloud-usage-csv for the break-even month',
    };
  }

  const scenarios = files.map((file, i) => {
    const hardware = loadHardwareSpec(file);
    const profile = profiles.find(
      (p) => p.id === classify({ gpus: hardware.gpus.map(gpuInfoOf) }, profiles).id,
    )!;
    const power = machinePower(hardware, catalog.gpus, powerTable);
    if (power.unknown.length > 0)
      warnings.push(
        `${basename(file)}: no power figures for ${power.unknown.join(', ')} (counted as 0 W; pass --watts-load/--watts-idle)`,
      );
    const cost = costs.length === 1 ? costs[0] : costs[i];
    const measured = options.wattsLoad !== undefined && options.wattsIdle !== undefined;
    const gpuCounts = new Map<string, number>();
    for (const g of power.gpus) gpuCounts.set(g.name, (gpuCounts.get(g.name) ?? 0) + 1);
    return buildTcoScenario({
      option: {
        name: basename(file).replace(/\.ya?ml$/, ''),
        source: file,
        gpus: [...gpuCounts].map(([name, n]) => `${n}× ${name}`).join(' + ') || 'no GPU',
      },
      hardwareUsd:
        cost === undefined
          ? {
              value: profile.tco.hardwareCostUsd.typical,
              isDefault: true,
              basis: `typical price of the ${profile.id} profile (${profile.tco.hardwareCostUsd.low}–${profile.tco.hardwareCostUsd.high})`,
            }
          : { value: cost, isDefault: false, basis: '--hardware-cost' },
      power: {
        value: {
          loadW: options.wattsLoad ?? power.loadW,
          idleW: options.wattsIdle ?? power.idleW,
        },
        isDefault: !measured,
        basis: measured
          ? '--watts-load / --watts-idle'
          : `catalog GPU TDPs (${power.gpus.map((g) => `${g.tdpW ?? '?'} W`).join(' + ')}) + ${REST_OF_SYSTEM_W.load} W rest of system at load; GPU idle + ${REST_OF_SYSTEM_W.idle} W idle`,
      },
      schedule,
      tariff: {
        value: { usdPerKWh: tariff.usdPerKWh, bands: tariff.bands, timezone: tariff.timezone },
        label: tariff.label,
        isDefault: tariff.isDefault,
        basis: tariff.basis,
      },
      electricityUsdPerMonth:
        options.electricityUsdPerMonth === undefined
          ? null
          : {
              value: options.electricityUsdPerMonth,
              isDefault: false,
              basis: '--electricity-usd-per-month',
            },
      maintenanceUsdPerYear:
        options.maintenanceUsdPerYear === undefined
          ? {
              value: profile.tco.maintenanceUsdPerYear,
              isDefault: true,
              basis: `the ${profile.id} profile’s figure`,
            }
          : {
              value: options.maintenanceUsdPerYear,
              isDefault: false,
              basis: '--maintenance-usd-per-year',
            },
      years: options.years ?? profile.tco.lifetimeYears,
      cloudUsdPerMonth: cloud,
    });
  });
  return { generatedAt: new Date().toISOString(), scenarios, warnings };
}

function parseDays(text: string): Weekday[] {
  if (text === 'mon-fri') return WEEK.slice(0, 5);
  if (text === 'every-day') return [...WEEK];
  const days = text.split(',').map((d) => d.trim().toLowerCase());
  const bad = days.filter((d) => !(WEEK as readonly string[]).includes(d));
  if (bad.length > 0 || days.length === 0) {
    throw new OpsError(`--days: not a day: ${bad.join(', ') || '(empty)'}`, {
      exitCode: 2,
      hint: 'use mon-fri, every-day, or a comma list of mon tue wed thu fri sat sun',
    });
  }
  return WEEK.filter((d) => days.includes(d));
}
