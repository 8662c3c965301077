/**
 * Domain types of hardware detection: what `ops detect` finds on a machine (the Inventory). Everything here is
 * plain data so an Inventory can be written to JSON, read back, and classified without touching the machine.
 */

/** Where a card sits in the market; drives profile selection (datacenter cards imply an enterprise box). */
export type GpuClass = 'consumer' | 'workstation' | 'datacenter' | 'unknown';

/** How a GPU entry was found; `pci` means the card is on the bus but no NVIDIA driver answered for it. */
export type GpuSource = 'nvidia-smi-xml' | 'nvidia-smi-csv' | 'pci';

/** One MIG slice of a GPU (`<mig_devices><mig_device>` in `nvidia-smi -q -x`). */
export interface MigDevice {
  index: number;
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
  vramMiB: number | null;
  multiprocessorCount: number | null;
}

/** NVLink / NVSwitch fabric state as nvidia-smi shows it (`<fabric>`, drivers 535+ on SXM/HGX boards). */
export interface GpuFabric {
  state: string;
  status: string | null;
  cliqueId: string | null;
}

export interface GpuInfo {
  /** Position in nvidia-smi's enumeration (the CUDA/NVML index), or in PCI order for driverless cards. */
  index: number;
  name: string;
  /** `GPU-…`; null when no driver reports it. */
  uuid: string | null;
  /** Normalised to `0000:01:00.0` style (domain:bus:device.function) where known. */
  pciBusId: string | null;
  /** Total framebuffer memory; 0 when no driver reports it (a card seen only on the PCI bus). */
  vramMiB: number;
  vramUsedMiB: number | null;
  driverVersion: string | null;
  /** Highest CUDA version the driver supports (nvidia-smi's `cuda_version`), not the toolkit installed. */
  cudaVersion: string | null;
  /** `major.minor`, as reported, or inferred from the product name when nvidia-smi does not print it. */
  computeCapability?: string;
  architecture?: string;
  brand?: string;
  gpuClass: GpuClass;
  powerLimitW?: number;
  powerDrawW?: number;
  /** Present only on MIG-capable cards. */
  migMode?: 'enabled' | 'disabled';
  migDevices?: MigDevice[];
  nvlink?: GpuFabric;
  /** False for a card seen on the PCI bus that no NVIDIA driver answers for. */
  hasDriver: boolean;
  source: GpuSource;
}

export interface CpuInfo {
  vendor: string;
  model: string;
  /** Physical cores. */
  cores: number;
  /** Logical processors (hardware threads). */
  threads: number;
  sockets: number;
  /** The instruction-set flags that matter for CPU inference (llama.cpp picks kernels by them). */
  flags: string[];
}

export interface MemoryInfo {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
}

export interface DiskInfo {
  mount: string;
  device: string;
  fsType: string;
  sizeBytes: number;
  freeBytes: number;
  /** True when the backing device is NVMe; null when it cannot be told (virtual disks). */
  nvme: boolean | null;
  /** True for the file system that holds the model store (OPS_HOME/models). */
  holdsModelStore: boolean;
}

export interface OsInfo {
  platform: string;
  distro: string;
  release: string;
  codename: string;
  kernel: string;
  arch: string;
}

export interface DockerInfo {
  present: boolean;
  serverVersion: string | null;
  apiVersion: string | null;
  /** An `nvidia` runtime is registered with the daemon (`nvidia-ctk runtime configure --runtime=docker`). */
  nvidiaRuntime: boolean;
  defaultRuntime: string | null;
  /** The daemon has CDI enabled (non-empty `CDISpecDirs`). */
  cdiEnabled: boolean;
  /** An NVIDIA CDI spec (`nvidia.yaml`/`.json`) exists in one of the daemon's CDI directories. */
  nvidiaCdiSpec: boolean;
  /** Why Docker is not usable, when it is not. */
  error: string | null;
}

/** One GPU detection strategy that was tried and did not answer, with its reason. */
export interface StrategyAttempt {
  strategy: string;
  reason: string;
}

export interface GpuDetection {
  /** The strategy that answered, or null when none did. */
  strategy: string | null;
  tried: StrategyAttempt[];
}

/**
 * Everything detection found. `cpu`, `memory`, `os` and `docker` are null when the inventory was built from a
 * saved nvidia-smi file (they describe a machine this process is not on).
 */
export interface Inventory {
  /** `local` for this machine, or the path of the nvidia-smi file it was read from. */
  source: string;
  gpus: GpuInfo[];
  gpuDetection: GpuDetection;
  cpu: CpuInfo | null;
  memory: MemoryInfo | null;
  disks: DiskInfo[];
  os: OsInfo | null;
  docker: DockerInfo | null;
}
