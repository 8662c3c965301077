import type { Classification } from '../profiles/types.js';
import type { DiskInfo, GpuInfo, Inventory } from './types.js';

const GiB = 1024 ** 3;

/** The human summary `ops detect` prints: GPUs, CPU, memory, disks, OS, Docker, then the profile and why. Pure. */
export function formatInventorySummary(
  inventory: Inventory,
  profile: Classification & { title?: string },
): string {
  const lines: string[] = [];
  if (inventory.source !== 'local') lines.push(`Source: ${inventory.source}`);
  lines.push(inventory.gpus.length === 0 ? 'GPUs: none found' : `GPUs (${inventory.gpus.length}):`);
  for (const gpu of inventory.gpus) lines.push(`  ${formatGpu(gpu)}`);
  if (inventory.gpus.length === 0) {
    for (const t of inventory.gpuDetection.tried) lines.push(`  - ${t.strategy}: ${t.reason}`);
  } else if (inventory.gpuDetection.strategy) {
    lines.push(`  (via ${inventory.gpuDetection.strategy})`);
  }
  const { cpu, memory, os, docker } = inventory;
  if (cpu) {
    const flags = cpu.flags.length ? `; ${cpu.flags.join(' ')}` : '';
    lines.push(
      `CPU: ${cpu.model} — ${cpu.cores} cores / ${cpu.threads} threads${cpu.sockets > 1 ? `, ${cpu.sockets} sockets` : ''}${flags}`,
    );
  }
  if (memory) {
    lines.push(`Memory: ${gib(memory.totalBytes)} total, ${gib(memory.availableBytes)} available`);
  }
  if (inventory.disks.length) {
    lines.push('Disks:');
    for (const disk of inventory.disks) lines.push(`  ${formatDisk(disk)}`);
  }
  if (os)
    lines.push(
      `OS: ${os.distro} ${os.release}${os.codename ? ` (${os.codename})` : ''}, kernel ${os.kernel}, ${os.arch}`,
    );
  if (docker) {
    if (!docker.present) lines.push(`Docker: not reachable (${docker.error ?? 'unknown reason'})`);
    else {
      const gpuAccess = [
        docker.nvidiaRuntime ? 'nvidia runtime' : null,
        docker.nvidiaCdiSpec ? 'NVIDIA CDI spec' : null,
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(
        `Docker: ${docker.serverVersion ?? 'unknown version'}; GPU access: ${gpuAccess || 'not configured'}`,
      );
    }
  }
  lines.push('');
  lines.push(`Profile: ${profile.id}${profile.title ? ` (${profile.title})` : ''}`);
  for (const reason of profile.reasons) lines.push(`  - ${reason}`);
  for (const warning of profile.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n');
}

function formatGpu(gpu: GpuInfo): string {
  if (!gpu.hasDriver)
    return `[${gpu.index}] ${gpu.name}${gpu.pciBusId ? ` at ${gpu.pciBusId}` : ''} — no driver`;
  const parts = [
    `${gpu.vramMiB} MiB`,
    gpu.computeCapability ? `cc ${gpu.computeCapability}` : null,
    gpu.powerLimitW !== undefined ? `${gpu.powerLimitW} W limit` : null,
    gpu.driverVersion
      ? `driver ${gpu.driverVersion}${gpu.cudaVersion ? ` (CUDA ${gpu.cudaVersion})` : ''}`
      : null,
    gpu.migMode === 'enabled' ? `MIG: ${gpu.migDevices?.length ?? 0} slice(s)` : null,
    gpu.nvlink ? `fabric ${gpu.nvlink.state}` : null,
  ].filter(Boolean);
  return `[${gpu.index}] ${gpu.name} — ${parts.join(', ')}`;
}

function formatDisk(disk: DiskInfo): string {
  const kind = disk.nvme === true ? 'NVMe' : disk.nvme === false ? 'not NVMe' : 'type unknown';
  const store = disk.holdsModelStore ? ' ← model store' : '';
  return `${disk.mount} (${disk.device}, ${disk.fsType}, ${kind}): ${gib(disk.freeBytes)} free of ${gib(disk.sizeBytes)}${store}`;
}

function gib(bytes: number): string {
  return `${(bytes / GiB).toFixed(1)} GiB`;
}
