import { computeTco } from './compute-tco.js';
import { scheduleElectricity } from './schedule-electricity.js';
import { type SensitivityRow, sensitivity } from './sensitivity.js';
import type { ElectricityEstimate, Tariff, TcoResult, UsageSchedule } from './types.js';

/** A figure and whether the user gave it or a default stood in (and on what the default rests). */
export interface Sourced<T> {
  value: T;
  /** True when the user did not give it. */
  isDefault: boolean;
  /** Where it comes from, in words (`--hardware-cost`, `profile prosumer typical price`, `catalog TDP`). */
  basis: string;
}

/** Everything one hardware option's TCO is computed from, settled (defaults filled in and labelled). */
export interface TcoScenarioInputs {
  option: { name: string; source: string; gpus: string };
  hardwareUsd: Sourced<number>;
  power: Sourced<{ loadW: number; idleW: number }>;
  schedule: Sourced<Omit<UsageSchedule, 'loadW' | 'idleW'>>;
  tariff: Sourced<Tariff> & { label: string };
  /** Electricity per month given outright (replaces the schedule × tariff estimate). */
  electricityUsdPerMonth: Sourced<number> | null;
  maintenanceUsdPerYear: Sourced<number>;
  years: number;
  cloudUsdPerMonth: Sourced<number>;
}

export interface TcoScenario extends TcoScenarioInputs {
  /** The schedule × tariff estimate; null when electricity was given per month. */
  electricity: ElectricityEstimate | null;
  tco: TcoResult;
  sensitivity: SensitivityRow[];
  /** One line per input that is a default rather than the user's own figure. */
  defaults: string[];
}

/** The TCO of one hardware option: electricity from its watts and the schedule (unless given), terms, sensitivity. */
export function buildTcoScenario(inputs: TcoScenarioInputs): TcoScenario {
  const schedule: UsageSchedule = { ...inputs.schedule.value, ...inputs.power.value };
  const electricity = inputs.electricityUsdPerMonth
    ? null
    : scheduleElectricity(schedule, inputs.tariff.value);
  const terms = {
    hardwareUsd: inputs.hardwareUsd.value,
    years: inputs.years,
    maintenanceUsdPerYear: inputs.maintenanceUsdPerYear.value,
    electricityUsdPerMonth: inputs.electricityUsdPerMonth?.value ?? electricity!.usdPerMonth,
    cloudUsdPerMonth: inputs.cloudUsdPerMonth.value,
  };
  const sourced: [string, Sourced<unknown> | null][] = [
    ['hardware cost', inputs.hardwareUsd],
    ['electricity price', inputs.electricityUsdPerMonth ? null : inputs.tariff],
    ['power draw', inputs.electricityUsdPerMonth ? null : inputs.power],
    ['hours of use', inputs.electricityUsdPerMonth ? null : inputs.schedule],
    ['electricity per month', inputs.electricityUsdPerMonth],
    ['maintenance', inputs.maintenanceUsdPerYear],
    ['cloud spend', inputs.cloudUsdPerMonth],
  ];
  return {
    ...inputs,
    electricity,
    tco: computeTco(terms),
    sensitivity: sensitivity(terms, electricity ? { schedule, tariff: inputs.tariff.value } : null),
    defaults: sourced
      .filter((e): e is [string, Sourced<unknown>] => e[1]?.isDefault === true)
      .map(([name, s]) => `${name} is a default (${s.basis}), not your own figure`),
  };
}

/** What `ops tco` prints: one scenario per hardware option. */
export interface TcoReport {
  generatedAt: string;
  scenarios: TcoScenario[];
  /** About the inputs as a whole (a cloud usage file's span, unknown GPUs). */
  warnings: string[];
}
