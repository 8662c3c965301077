import type { OpsConfig } from '../config/ops-config.js';
import { type CommandRunner, runCommand } from '../detect/command-runner.js';
import { httpRequest } from '../http/http-client.js';
import { ConstantPowerSampler } from './constant-power-sampler.js';
import { DcgmPowerSampler, parseDcgmMetrics } from './dcgm-power-sampler.js';
import {
  NVIDIA_SMI_POWER_ARGS,
  NvidiaSmiPowerSampler,
  parseNvidiaSmiPower,
} from './nvidia-smi-power-sampler.js';
import { PlugPowerSampler } from './plug-power-sampler.js';
import { POWERCAP_DIR, RaplSampler } from './rapl-sampler.js';
import type { PowerSampler, SamplerProbe } from './types.js';

export interface SamplerChoice {
  samplers: PowerSampler[];
  /** Each strategy tried and what came of it, for `ops agent`'s start-up lines. */
  tried: { strategy: string; result: string }[];
}

/**
 * Picks the power samplers: for GPUs the first that works of DCGM exporter (energy counters) and nvidia-smi (power
 * only); RAPL for CPU packages where readable; the configured constant for the rest; a plug when configured.
 */
export async function chooseSamplers(
  config: OpsConfig,
  options: { run?: CommandRunner; powercapDir?: string } = {},
): Promise<SamplerChoice> {
  const tried: SamplerChoice['tried'] = [];
  const samplers: PowerSampler[] = [];
  const gpuStrategies: [string, () => Promise<SamplerProbe>][] = [
    ['dcgm-exporter', () => probeDcgm(config.agent.dcgmUrl)],
    ['nvidia-smi', () => probeNvidiaSmi(options.run ?? runCommand)],
  ];
  for (const [strategy, probe] of gpuStrategies) {
    const r = await probe();
    if ('sampler' in r) {
      tried.push({ strategy, result: 'used for GPU power' });
      samplers.push(r.sampler);
      break;
    }
    tried.push({ strategy, result: r.skip });
  }
  const rapl = RaplSampler.probe(options.powercapDir ?? POWERCAP_DIR);
  if ('sampler' in rapl) samplers.push(rapl.sampler);
  tried.push({ strategy: 'rapl', result: 'sampler' in rapl ? 'used for CPU package power' : rapl.skip });
  samplers.push(new ConstantPowerSampler(config.energy.restOfSystemW));
  tried.push({ strategy: 'constant', result: `rest of system at ${config.energy.restOfSystemW} W` });
  if (config.agent.plug) {
    samplers.push(new PlugPowerSampler(config.agent.plug.url, config.agent.plug.field));
    tried.push({ strategy: 'plug', result: `wall power from ${config.agent.plug.url}` });
  }
  return { samplers, tried };
}

async function probeDcgm(url: string | undefined): Promise<SamplerProbe> {
  if (!url) return { skip: 'agent.dcgmUrl not configured' };
  try {
    const res = await httpRequest(url, { timeoutMs: 3000, retry: 'none' });
    if (!res.ok) {
      await res.dump();
      return { skip: `${url} answered HTTP ${res.status}` };
    }
    if (parseDcgmMetrics(await res.text(), 0).length === 0)
      return { skip: `${url} has no DCGM power metrics` };
    return { sampler: new DcgmPowerSampler(url) };
  } catch (error) {
    return { skip: `${url} unreachable: ${(error as Error).message}` };
  }
}

async function probeNvidiaSmi(run: CommandRunner): Promise<SamplerProbe> {
  const r = await run('nvidia-smi', NVIDIA_SMI_POWER_ARGS, { timeoutMs: 10_000 });
  if (r.notFound) return { skip: 'nvidia-smi is not installed' };
  if (r.exitStatus !== 0)
    return { skip: `nvidia-smi failed: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.exitStatus}`}` };
  if (parseNvidiaSmiPower(r.stdout, 0).length === 0) return { skip: 'nvidia-smi lists no GPUs' };
  return { sampler: new NvidiaSmiPowerSampler(run) };
}
