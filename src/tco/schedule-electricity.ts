import type { Weekday } from '../config/ops-config.js';
import { bandAt, type Tariff } from '../report/tariff.js';
import type { ElectricityEstimate, UsageSchedule } from './types.js';

const WEEK: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SLOTS_PER_DAY = 96;
/** An average month is 365.25 / 12 days: this many weeks. */
const WEEKS_PER_MONTH = 365.25 / 12 / 7;

/**
 * The electricity of a box that runs at `loadW` for `hoursPerDay` on the given days from `startHour` (a shift that
 * runs past midnight carries into the next day) and at `idleW` the rest of the week, priced quarter hour by quarter
 * hour under the tariff (time-of-use bands in local time), scaled from one week to an average month. Pure.
 */
export function scheduleElectricity(schedule: UsageSchedule, tariff: Tariff): ElectricityEstimate {
  const load = new Array<boolean>(7 * SLOTS_PER_DAY).fill(false);
  const loadSlots = Math.round(Math.min(24, Math.max(0, schedule.hoursPerDay)) * 4);
  const startSlot = Math.round(schedule.startHour * 4);
  for (const day of schedule.days) {
    const dayIndex = WEEK.indexOf(day);
    for (let i = 0; i < loadSlots; i++) load[(dayIndex * SLOTS_PER_DAY + startSlot + i) % load.length] = true;
  }
  const bands = new Map<
    string,
    { band: string; usdPerKWh: number; kWhPerMonth: number; usdPerMonth: number }
  >();
  let kWh = 0;
  let usd = 0;
  load.forEach((atLoad, slot) => {
    const price = bandAt(tariff, WEEK[Math.floor(slot / SLOTS_PER_DAY)]!, (slot % SLOTS_PER_DAY) / 4);
    const slotKWh = ((atLoad ? schedule.loadW : schedule.idleW) * 0.25) / 1000;
    kWh += slotKWh;
    usd += slotKWh * price.usdPerKWh;
    const entry = bands.get(price.band) ?? {
      band: price.band,
      usdPerKWh: price.usdPerKWh,
      kWhPerMonth: 0,
      usdPerMonth: 0,
    };
    entry.kWhPerMonth += slotKWh * WEEKS_PER_MONTH;
    entry.usdPerMonth += slotKWh * price.usdPerKWh * WEEKS_PER_MONTH;
    bands.set(price.band, entry);
  });
  return {
    kWhPerMonth: kWh * WEEKS_PER_MONTH,
    usdPerMonth: usd * WEEKS_PER_MONTH,
    byBand: [...bands.values()].sort((a, b) => b.kWhPerMonth - a.kWhPerMonth),
  };
}

/** A tariff with every price multiplied by `factor` (for sensitivity). */
export function scaleTariff(tariff: Tariff, factor: number): Tariff {
  return {
    ...tariff,
    usdPerKWh: tariff.usdPerKWh * factor,
    bands: tariff.bands.map((b) => ({ ...b, usdPerKWh: b.usdPerKWh * factor })),
  };
}
