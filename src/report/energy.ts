import type { EnergyBucket } from '../ledger/types.js';
import { dayOf } from './month-range.js';
import { createPriceLookup, type Tariff } from './tariff.js';
import type { EnergyPart, EnergySection } from './types.js';

/** The window the energy is reported over, and the span in which readings should exist. */
export interface EnergyWindow {
  fromMs: number;
  toMs: number;
  /** Readings are expected from here (monitoring start) … */
  expectedFromMs: number;
  /** … to here (now, for the current month). */
  expectedToMs: number;
}

/**
 * Energy by part (GPU, CPU, rest of system) and its cost under the tariff, from 15-minute rollups. Each bucket is
 * priced at the tariff in force at its start, so time-of-use bands split the energy exactly on quarter hours.
 * Where a wall reading (smart plug / PDU) exists for a bucket, the rest of the system is what the wall saw minus
 * GPUs and CPUs, instead of the configured constant.
 */
export function computeEnergy(
  buckets: readonly EnergyBucket[],
  tariff: Tariff,
  window: EnergyWindow,
): EnergySection {
  const priceAt = createPriceLookup(tariff);
  const parts = { gpu: zero(), cpu: zero(), rest: zero() };
  const bands = new Map<string, { band: string; usdPerKWh: number } & EnergyPart>();
  const devices = new Map<string, { source: string; device: string } & EnergyPart>();
  const daily = new Map<string, EnergyPart>();
  let measuredS = 0;

  const byBucket = new Map<number, EnergyBucket[]>();
  for (const b of buckets) {
    if (b.bucketMs < window.fromMs || b.bucketMs >= window.toMs) continue;
    const list = byBucket.get(b.bucketMs);
    if (list) list.push(b);
    else byBucket.set(b.bucketMs, [b]);
  }
  for (const [bucketMs, rows] of [...byBucket].sort((a, b) => a[0] - b[0])) {
    const price = priceAt(bucketMs);
    const kWh = { gpu: 0, cpu: 0, rest: 0, wall: 0 };
    let wallSeen = false;
    let covered = 0;
    for (const row of rows) {
      kWh[row.source] += row.energyWh / 1000;
      if (row.source === 'wall') wallSeen = true;
      covered = Math.max(covered, row.measuredS);
      if (row.source !== 'wall')
        add(
          devices,
          `${row.source}/${row.device}`,
          { source: row.source, device: row.device },
          row.energyWh / 1000,
          price.usdPerKWh,
        );
    }
    measuredS += covered;
    if (wallSeen) kWh.rest = Math.max(0, kWh.wall - kWh.gpu - kWh.cpu);
    for (const part of ['gpu', 'cpu', 'rest'] as const) {
      parts[part].kWh += kWh[part];
      parts[part].costUsd += kWh[part] * price.usdPerKWh;
    }
    const total = kWh.gpu + kWh.cpu + kWh.rest;
    add(bands, price.band, { band: price.band, usdPerKWh: price.usdPerKWh }, total, price.usdPerKWh);
    const day = daily.get(dayOf(bucketMs)) ?? zero();
    day.kWh += total;
    day.costUsd += total * price.usdPerKWh;
    daily.set(dayOf(bucketMs), day);
  }

  const days: ({ day: string } & EnergyPart)[] = [];
  for (let ms = window.fromMs; ms < window.toMs; ms += 86_400_000) {
    days.push({ day: dayOf(ms), ...(daily.get(dayOf(ms)) ?? zero()) });
  }
  const total = {
    kWh: parts.gpu.kWh + parts.cpu.kWh + parts.rest.kWh,
    costUsd: parts.gpu.costUsd + parts.cpu.costUsd + parts.rest.costUsd,
  };
  return {
    tariff: tariff.bands.length > 0 ? 'time-of-use' : 'flat',
    timezone: tariff.timezone,
    ...parts,
    total,
    byBand: [...bands.values()].sort((a, b) => b.kWh - a.kWh),
    byDevice: [...devices.values()].sort(
      (a, b) => a.source.localeCompare(b.source) || a.device.localeCompare(b.device, 'en', { numeric: true }),
    ),
    daily: days,
    measuredHours: measuredS / 3600,
    expectedHours:
      Math.max(
        0,
        Math.min(window.toMs, window.expectedToMs) - Math.max(window.fromMs, window.expectedFromMs),
      ) / 3_600_000,
  };
}

const zero = (): EnergyPart => ({ kWh: 0, costUsd: 0 });

function add<T extends EnergyPart>(
  map: Map<string, T>,
  key: string,
  init: Omit<T, 'kWh' | 'costUsd'>,
  kWh: number,
  usdPerKWh: number,
) {
  const entry = map.get(key) ?? ({ ...init, kWh: 0, costUsd: 0 } as T);
  entry.kWh += kWh;
  entry.costUsd += kWh * usdPerKWh;
  map.set(key, entry);
}
