import { OpsError } from '../core/errors.js';
import { httpRequest } from '../http/http-client.js';
import type { PowerSample } from '../ledger/types.js';
import type { PowerSampler } from './types.js';

/**
 * Power and energy from a DCGM exporter's `/metrics`: `DCGM_FI_DEV_POWER_USAGE` (W) and
 * `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION` (a counter in mJ since the driver loaded), per GPU (`gpu="N"` label).
 * Source: NVIDIA DCGM field identifiers, dcgm-exporter default counters.
 */
export function parseDcgmMetrics(text: string, tsMs: number): PowerSample[] {
  const byGpu = new Map<string, PowerSample>();
  for (const line of text.split('\n')) {
    const m = /^(DCGM_FI_DEV_POWER_USAGE|DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const gpu = /(?:^|,)\s*gpu="(\d+)"/.exec(m[2]!)?.[1];
    const value = Number(m[3]);
    if (gpu === undefined || !Number.isFinite(value)) continue;
    const sample = byGpu.get(gpu) ?? {
      tsMs,
      source: 'gpu' as const,
      device: `gpu${gpu}`,
      powerW: null,
      energyJ: null,
    };
    if (m[1] === 'DCGM_FI_DEV_POWER_USAGE') sample.powerW = value;
    else sample.energyJ = value / 1000;
    byGpu.set(gpu, sample);
  }
  return [...byGpu.values()].sort((a, b) => a.device.localeCompare(b.device, 'en', { numeric: true }));
}

export class DcgmPowerSampler implements PowerSampler {
  readonly name = 'dcgm-exporter';

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 5000,
  ) {}

  async sample(tsMs: number): Promise<PowerSample[]> {
    // No retry: the sampling loop samples again on its own clock.
    const res = await httpRequest(this.url, { timeoutMs: this.timeoutMs, retry: 'none' });
    if (!res.ok) {
      await res.dump();
      throw new OpsError(`DCGM exporter at ${this.url} answered HTTP ${res.status}`);
    }
    return parseDcgmMetrics(await res.text(), tsMs);
  }
}
