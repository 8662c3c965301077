import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PowerSample } from '../ledger/types.js';
import type { PowerSampler, SamplerProbe } from './types.js';

export const POWERCAP_DIR = '/sys/class/powercap';

interface Domain {
  dir: string;
  device: string;
  maxRangeUj: number;
  last?: { tsMs: number; energyUj: number };
}

/**
 * CPU package power from Intel RAPL via the powercap sysfs (`intel-rapl:N/energy_uj`, one per package; sub-zones
 * `intel-rapl:N:M` are parts of a package and are skipped). The counter wraps at `max_energy_range_uj`; the
 * stored energy is the raw counter in joules (a decrease reads as a reset, and the rollup then uses the power),
 * and power is computed from consecutive readings with the wrap undone. Since Linux 5.10 `energy_uj` is readable
 * by root only (CVE-2020-8694), hence the readability check.
 */
export class RaplSampler implements PowerSampler {
  readonly name = 'rapl';

  private constructor(private readonly domains: Domain[]) {}

  /** The sampler when at least one package domain is readable here, else why not. */
  static probe(root: string = POWERCAP_DIR): SamplerProbe {
    let names: string[];
    try {
      names = readdirSync(root).filter((n) => /^intel-rapl:\d+$/.test(n));
    } catch {
      return { skip: `${root} does not exist (no powercap driver)` };
    }
    if (names.length === 0) return { skip: `no intel-rapl package domains in ${root}` };
    const domains: Domain[] = [];
    for (const n of names.sort()) {
      const dir = join(root, n);
      try {
        readFileSync(join(dir, 'energy_uj'), 'utf8');
      } catch {
        return {
          skip: `${join(dir, 'energy_uj')} is not readable (root only since Linux 5.10); run the agent as root for CPU power`,
        };
      }
      const label = safeRead(join(dir, 'name')) ?? n;
      const maxRangeUj = Number(safeRead(join(dir, 'max_energy_range_uj')) ?? Number.NaN);
      domains.push({ dir, device: label.replace(/^package-?/, 'package-').replace(/--/g, '-'), maxRangeUj });
    }
    return { sampler: new RaplSampler(domains) };
  }

  async sample(tsMs: number): Promise<PowerSample[]> {
    return this.domains.map((d) => {
      const energyUj = Number(readFileSync(join(d.dir, 'energy_uj'), 'utf8').trim());
      let powerW: number | null = null;
      if (d.last && tsMs > d.last.tsMs) {
        let delta = energyUj - d.last.energyUj;
        if (delta < 0 && Number.isFinite(d.maxRangeUj)) delta += d.maxRangeUj;
        if (delta >= 0) powerW = delta / 1e6 / ((tsMs - d.last.tsMs) / 1000);
      }
      d.last = { tsMs, energyUj };
      return { tsMs, source: 'cpu' as const, device: d.device, powerW, energyJ: energyUj / 1e6 };
    });
  }
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
