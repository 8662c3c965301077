import { OpsError } from '../core/errors.js';
import { type CommandRunner, runCommand } from '../detect/command-runner.js';
import { readNumber } from '../detect/nvidia-smi-values.js';
import type { PowerSample } from '../ledger/types.js';
import type { PowerSampler } from './types.js';

/**
 * `nvidia-smi --query-gpu` has a power reading but no energy counter (DCGM has one), so this sampler's readings are
 * integrated with the trapezoid rule. Note that on A100/H100 the reading is an average over part of each period
 * only (Yang et al., "Part-time Power Measurements: nvidia-smi's Lack of Attention", arXiv:2312.02741): prefer
 * DCGM's energy counter where it runs.
 */
export const NVIDIA_SMI_POWER_ARGS = ['--query-gpu=index,power.draw', '--format=csv,noheader,nounits'];

/** Parses `index, power.draw` CSV lines; `[N/A]` power becomes null (the GPU is still listed). */
export function parseNvidiaSmiPower(csv: string, tsMs: number): PowerSample[] {
  const samples: PowerSample[] = [];
  for (const line of csv.split('\n')) {
    if (!line.trim()) continue;
    const [index, power] = line.split(',').map((c) => c.trim());
    const i = readNumber(index);
    if (i === null) continue;
    samples.push({ tsMs, source: 'gpu', device: `gpu${i}`, powerW: readNumber(power), energyJ: null });
  }
  return samples;
}

export class NvidiaSmiPowerSampler implements PowerSampler {
  readonly name = 'nvidia-smi';

  constructor(private readonly run: CommandRunner = runCommand) {}

  async sample(tsMs: number): Promise<PowerSample[]> {
    const result = await this.run('nvidia-smi', NVIDIA_SMI_POWER_ARGS, { timeoutMs: 10_000 });
    if (result.exitStatus !== 0) {
      throw new OpsError(`nvidia-smi power query failed (exit ${result.exitStatus ?? 'signal'})`, {
        hint: result.stderr.trim().split('\n')[0] ?? 'run nvidia-smi by hand to see why',
      });
    }
    return parseNvidiaSmiPower(result.stdout, tsMs);
  }
}
