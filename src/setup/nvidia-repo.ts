import { nvidiaRepoName } from './distro.js';
import { gpuCount, type HostFacts } from './host-facts.js';
import type { ApplyContext } from './provision-types.js';

// NVIDIA driver installation guide, "Ubuntu" / "Debian" network repository sections:
// https://docs.nvidia.com/datacenter/tesla/driver-installation-guide/ — the cuda-keyring package adds NVIDIA's
// repository for the distro (ubuntu2204, ubuntu2404, debian12, debian13); from the 570 packaging conventions on, the
// driver is `nvidia-open` (open kernel modules) or `cuda-drivers` (proprietary), a branch chosen by installing
// `nvidia-driver-pinning-<branch>` first ("Kernel Modules" table, "Version locking").
export const DRIVER_DOC = 'https://docs.nvidia.com/datacenter/tesla/driver-installation-guide/';
export const KERNEL_MODULES_DOC =
  'https://docs.nvidia.com/datacenter/tesla/driver-installation-guide/kernel-modules.html';
export const VERSION_LOCKING_DOC =
  'https://docs.nvidia.com/datacenter/tesla/driver-installation-guide/version-locking.html';
const CUDA_REPO = 'https://developer.download.nvidia.com/compute/cuda/repos';
const CUDA_KEYRING_DEB = 'cuda-keyring_1.1-1_all.deb';

/** The driver package per flavour. */
export const DRIVER_PACKAGE = { open: 'nvidia-open', proprietary: 'cuda-drivers' } as const;
/** Installed packages that make up the driver (what a hold covers); `nvidia-driver-pinning-*` is not one. */
export const DRIVER_PACKAGE_PREFIXES = [
  'cuda-drivers',
  'nvidia-open',
  'nvidia-driver',
  'nvidia-dkms',
  'nvidia-kernel',
];

/** NVIDIA's repository directory for the CPU (x86_64, or sbsa for 64-bit Arm servers). */
function nvidiaArch(facts: HostFacts): string {
  return facts.arch === 'aarch64' || facts.arch === 'arm64' ? 'sbsa' : 'x86_64';
}

/** Adds NVIDIA's repository (once: skipped when cuda-keyring is installed; never with a bundle). */
export function cudaKeyring(ctx: ApplyContext): string[] {
  // From a bundle, NVIDIA's packages are in the bundle's repository (fetched where NVIDIA can be reached).
  if (ctx.options.bundleApt) return [];
  const url = `${CUDA_REPO}/${nvidiaRepoName(ctx.distro)}/${nvidiaArch(ctx.facts)}/${CUDA_KEYRING_DEB}`;
  return [
    `dpkg -s cuda-keyring >/dev/null 2>&1 || { curl -fsSL -o /tmp/${CUDA_KEYRING_DEB} ${url} && dpkg -i /tmp/${CUDA_KEYRING_DEB} && apt-get update -q; }`,
  ];
}

export const noGpu = { status: 'not-applicable', detail: 'no NVIDIA GPU (cpu-only)' } as const;

/** The installed driver's version: nvidia-smi's, else the driver package's. */
export function installedDriver(facts: HostFacts): string | null {
  if (facts.driverVersion) return facts.driverVersion;
  const pkg = facts.packages.find(
    (p) =>
      DRIVER_PACKAGE_PREFIXES.some((prefix) => p.startsWith(prefix)) &&
      !p.startsWith('nvidia-driver-pinning'),
  );
  return pkg?.split('=')[1]?.replace(/^\d+:/, '') ?? null;
}

/** Whether the box has a GPU that provisioning concerns. */
export const hasGpu = (facts: HostFacts) => gpuCount(facts) > 0;
