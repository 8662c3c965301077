import { resolveStateDir } from '../core/state-dir.js';
import { type DockerFactsSource, probeDocker, queryDockerDaemon } from './docker-probe.js';
import type { GpuDetectionStrategy } from './gpu-detection-strategy.js';
import { defaultGpuStrategies, detectGpus } from './gpu-strategies.js';
import {
  probeCpu,
  probeDisks,
  probeMemory,
  probeOs,
  type SystemInfoSource,
  systemInformation,
} from './host-probe.js';
import type { Inventory } from './types.js';

/** The data sources of detection; every one can be replaced, so tests feed recorded outputs. */
export interface DetectInventoryOptions {
  strategies?: GpuDetectionStrategy[];
  system?: SystemInfoSource;
  docker?: DockerFactsSource;
  /** Where the model store lives, to mark the disk that holds it (default: OPS_HOME/models). */
  modelStorePath?: string;
}

/** Detects this machine: GPUs by the ordered strategies, and CPU, memory, disks, OS and Docker, all concurrently. */
export async function detectInventory(options: DetectInventoryOptions = {}): Promise<Inventory> {
  const system = options.system ?? systemInformation;
  const [gpuResult, cpu, memory, disks, os, docker] = await Promise.all([
    detectGpus(options.strategies ?? defaultGpuStrategies()),
    probeCpu(system),
    probeMemory(system),
    probeDisks(options.modelStorePath ?? resolveStateDir().modelsDir, system),
    probeOs(system),
    probeDocker(options.docker ?? queryDockerDaemon),
  ]);
  return {
    source: 'local',
    gpus: gpuResult.gpus,
    gpuDetection: gpuResult.detection,
    cpu,
    memory,
    disks,
    os,
    docker,
  };
}
