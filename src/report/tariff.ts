import type { TariffBand, Weekday } from '../config/ops-config.js';

/** A tariff resolved for pricing: a price for the rest of the time, and bands. */
export interface Tariff {
  usdPerKWh: number;
  bands: TariffBand[];
  timezone: string;
}

export interface PriceAt {
  band: string;
  usdPerKWh: number;
}

const WEEKDAY_INDEX: Record<string, Weekday> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};
const PREVIOUS: Record<Weekday, Weekday> = {
  mon: 'sun',
  tue: 'mon',
  wed: 'tue',
  thu: 'wed',
  fri: 'thu',
  sat: 'fri',
  sun: 'sat',
};

/**
 * The electricity price at an instant: the first band whose weekday and local hours contain it, else the flat price.
 * A band whose `toHour` is not after its `fromHour` wraps past midnight: its early-morning part belongs to the
 * previous day's band (a Friday 22–6 band covers Saturday 02:00, not Friday 02:00).
 */
export function createPriceLookup(tariff: Tariff): (ms: number) => PriceAt {
  if (tariff.bands.length === 0) return () => ({ band: 'flat', usdPerKWh: tariff.usdPerKWh });
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: tariff.timezone,
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  });
  const cache = new Map<number, PriceAt>();
  return (ms) => {
    // Prices change on quarter hours at most (bands are validated to quarter hours; zones are offset by 15 min at most).
    const key = Math.floor(ms / 900_000);
    const hit = cache.get(key);
    if (hit) return hit;
    let weekday: Weekday = 'mon';
    let hour = 0;
    for (const part of format.formatToParts(key * 900_000)) {
      if (part.type === 'weekday') weekday = WEEKDAY_INDEX[part.value] ?? 'mon';
      else if (part.type === 'hour') hour += Number(part.value);
      else if (part.type === 'minute') hour += Number(part.value) / 60;
    }
    const price = bandAt(tariff, weekday, hour);
    cache.set(key, price);
    return price;
  };
}

/** The price at a local weekday and hour of day (0 ≤ hour < 24). */
export function bandAt(tariff: Tariff, weekday: Weekday, hour: number): PriceAt {
  for (const band of tariff.bands) {
    const wraps = band.toHour <= band.fromHour;
    const inToday = wraps ? hour >= band.fromHour : hour >= band.fromHour && hour < band.toHour;
    const inYesterdaysTail = wraps && hour < band.toHour;
    if (
      (inToday && band.days.includes(weekday)) ||
      (inYesterdaysTail && band.days.includes(PREVIOUS[weekday]))
    ) {
      return { band: band.name, usdPerKWh: band.usdPerKWh };
    }
  }
  return { band: 'other hours', usdPerKWh: tariff.usdPerKWh };
}
