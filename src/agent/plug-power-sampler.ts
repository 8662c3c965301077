import { OpsError } from '../core/errors.js';
import { httpRequest } from '../http/http-client.js';
import type { PowerSample } from '../ledger/types.js';
import type { PowerSampler } from './types.js';

/**
 * Whole-system power from a smart plug or PDU with an HTTP JSON API (e.g. a Shelly Plug's `/rpc/Switch.GetStatus`,
 * field `apower`). Stored as the `wall` source; where it exists, the report takes "rest of system" as wall minus
 * GPUs and CPUs instead of the configured constant.
 */
export class PlugPowerSampler implements PowerSampler {
  readonly name = 'plug';

  constructor(
    private readonly url: string,
    private readonly field: string,
    private readonly timeoutMs = 5000,
  ) {}

  async sample(tsMs: number): Promise<PowerSample[]> {
    // No retry: the sampling loop samples again on its own clock.
    const res = await httpRequest(this.url, { timeoutMs: this.timeoutMs, retry: 'none' });
    if (!res.ok) {
      await res.dump();
      throw new OpsError(`plug at ${this.url} answered HTTP ${res.status}`);
    }
    const powerW = readField(await res.json(), this.field);
    if (powerW === null) {
      throw new OpsError(`plug at ${this.url} has no numeric field "${this.field}"`, {
        hint: 'set agent.plug.field in config.yaml to the dotted path of the watts value',
      });
    }
    return [{ tsMs, source: 'wall', device: 'plug', powerW, energyJ: null }];
  }
}

/** The number at a dotted path (`meters.0.power`), or null. */
export function readField(value: unknown, path: string): number | null {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return null;
    at = (at as Record<string, unknown>)[key];
  }
  const n = typeof at === 'string' ? Number(at) : at;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}
