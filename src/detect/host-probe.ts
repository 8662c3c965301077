import { resolve, sep } from 'node:path';
import si from 'systeminformation';
import type { CpuInfo, DiskInfo, MemoryInfo, OsInfo } from './types.js';

/** The systeminformation calls the host probe makes; tests pass recorded records instead of the library. */
export interface SystemInfoSource {
  cpu(): Promise<{
    manufacturer: string;
    brand: string;
    cores: number;
    physicalCores: number;
    processors: number;
    flags?: string;
  }>;
  cpuFlags(): Promise<string>;
  mem(): Promise<{ total: number; available: number; swaptotal: number }>;
  osInfo(): Promise<{
    platform: string;
    distro: string;
    release: string;
    codename: string;
    kernel: string;
    arch: string;
  }>;
  fsSize(): Promise<{ fs: string; type: string; size: number; available: number; mount: string }[]>;
  blockDevices(): Promise<{ name: string; type: string; protocol?: string; device?: string }[]>;
}

/** The real source: the systeminformation package. */
export const systemInformation: SystemInfoSource = si as unknown as SystemInfoSource;

/**
 * Instruction-set flags that decide which CPU kernels llama.cpp can use (ggml-cpu feature detection); the rest of
 * /proc/cpuinfo's list is noise for planning.
 */
const INTERESTING_FLAGS = [
  'sse4_2',
  'avx',
  'avx2',
  'fma',
  'f16c',
  'avx_vnni',
  'avx512f',
  'avx512bw',
  'avx512vl',
  'avx512_vnni',
  'avx512_bf16',
  'amx_tile',
  'amx_int8',
  'amx_bf16',
];

/** CPU model, cores, threads and the flags in INTERESTING_FLAGS. */
export async function probeCpu(source: SystemInfoSource = systemInformation): Promise<CpuInfo> {
  const [cpu, flagText] = await Promise.all([source.cpu(), source.cpuFlags()]);
  const flags = new Set((flagText || cpu.flags || '').split(/\s+/).filter(Boolean));
  const brand = cpu.brand.trim();
  // systeminformation strips the manufacturer from the brand ("AMD" + "EPYC 7763"); put it back for display.
  const model = brand.toLowerCase().startsWith(cpu.manufacturer.toLowerCase())
    ? brand
    : `${cpu.manufacturer} ${brand}`;
  return {
    vendor: cpu.manufacturer,
    model: model.trim(),
    cores: cpu.physicalCores,
    threads: cpu.cores,
    sockets: cpu.processors || 1,
    flags: INTERESTING_FLAGS.filter((f) => flags.has(f)),
  };
}

export async function probeMemory(source: SystemInfoSource = systemInformation): Promise<MemoryInfo> {
  const mem = await source.mem();
  return { totalBytes: mem.total, availableBytes: mem.available, swapTotalBytes: mem.swaptotal };
}

export async function probeOs(source: SystemInfoSource = systemInformation): Promise<OsInfo> {
  const os = await source.osInfo();
  return {
    platform: os.platform,
    distro: os.distro,
    release: os.release,
    codename: os.codename,
    kernel: os.kernel,
    arch: os.arch,
  };
}

/** Pseudo and in-memory file systems hold no data. Overlay stays: inside a container it is where files live. */
const PSEUDO_FS = /^(tmpfs|devtmpfs|squashfs|proc|sysfs|cgroup2?|nsfs|ramfs|efivarfs|autofs|fuse\..*)$/;

const CONTAINER_LAYER = /\/(docker|containerd|containers)\//;

/**
 * Disks as mounted file systems with size and free space, NVMe or not, and which one holds `modelStorePath` (the
 * longest mount point that prefixes it).
 */
export async function probeDisks(
  modelStorePath: string,
  source: SystemInfoSource = systemInformation,
): Promise<DiskInfo[]> {
  const [fileSystems, blocks] = await Promise.all([source.fsSize(), source.blockDevices().catch(() => [])]);
  // Container layers (Docker's overlay mounts) are views of another disk, not disks: listing them is noise.
  const real = fileSystems.filter(
    (f) => !PSEUDO_FS.test(f.type) && f.size > 0 && !(f.type === 'overlay' && CONTAINER_LAYER.test(f.mount)),
  );
  const storeMount = mountOf(
    resolve(modelStorePath),
    real.map((f) => f.mount),
  );
  return real.map((f) => ({
    mount: f.mount,
    device: f.fs,
    fsType: f.type,
    sizeBytes: f.size,
    freeBytes: f.available,
    nvme: isNvme(f.fs, blocks),
    holdsModelStore: f.mount === storeMount,
  }));
}

function isNvme(
  device: string,
  blocks: { name: string; protocol?: string; device?: string }[],
): boolean | null {
  if (/nvme/i.test(device)) return true;
  const block = blocks.find((b) => b.device === device || `/dev/${b.name}` === device);
  if (block?.protocol) return /nvme/i.test(block.protocol);
  // A plain block device that is not nvme*; anything else (network, device-mapper, ZFS dataset) cannot be told.
  return /^\/dev\/(sd|vd|hd|xvd|mmcblk)/.test(device) ? false : null;
}

/** The longest mount point that contains `path`. */
export function mountOf(path: string, mounts: string[]): string | null {
  let best: string | null = null;
  for (const mount of mounts) {
    const inside =
      mount === '/' || path === mount || path.startsWith(mount.endsWith(sep) ? mount : mount + sep);
    if (inside && (best === null || mount.length > best.length)) best = mount;
  }
  return best;
}
