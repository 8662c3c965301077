import type { PowerSample } from '../ledger/types.js';
import type { PowerSampler } from './types.js';

/**
 * The rest of the system (board, memory, disks, fans, PSU losses) at a configured constant: written with every
 * sample so its energy covers exactly the time the agent ran, like the measured parts.
 */
export class ConstantPowerSampler implements PowerSampler {
  readonly name = 'constant';

  constructor(private readonly powerW: number) {}

  async sample(tsMs: number): Promise<PowerSample[]> {
    return [{ tsMs, source: 'rest', device: 'rest', powerW: this.powerW, energyJ: null }];
  }
}
