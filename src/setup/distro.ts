import { OpsError } from '../core/errors.js';

/**
 * The distributions ops provisions itself: NVIDIA publishes a CUDA/driver repository for each
 * (`compute/cuda/repos/{ubuntu2204,ubuntu2404,debian12,debian13}`, driver installation guide, "Linux System
 * Requirements": https://docs.nvidia.com/datacenter/tesla/driver-installation-guide/) and the container toolkit's
 * apt repository is generic. Ubuntu point releases (24.04.3, …) keep VERSION_ID `24.04` and the same repository;
 * their HWE kernels get headers by `linux-headers-$(uname -r)` like any other.
 */
export const SUPPORTED_DISTROS = ['ubuntu-22.04', 'ubuntu-24.04', 'debian-12', 'debian-13'] as const;
export type DistroKey = (typeof SUPPORTED_DISTROS)[number];

export interface HostDistro {
  id: string;
  versionId: string;
  pretty: string;
  /** Set when ops has the commands for it; null means "unsupported: here is what to do by hand". */
  key: DistroKey | null;
}

/** The distro from /etc/os-release's ID and VERSION_ID (pure); a point release maps to its series. */
export function hostDistro(id: string, versionId: string, pretty = ''): HostDistro {
  const candidate = `${id}-${seriesOf(id, versionId)}`;
  const key = (SUPPORTED_DISTROS as readonly string[]).includes(candidate) ? (candidate as DistroKey) : null;
  return { id, versionId, pretty: pretty || candidate, key };
}

/** `24.04.3` → `24.04` on Ubuntu, `13.1` → `13` on Debian (VERSION_ID has no point release, a flag may). */
function seriesOf(id: string, versionId: string): string {
  if (id === 'ubuntu') return /^(\d+\.\d+)/.exec(versionId)?.[1] ?? versionId;
  if (id === 'debian') return /^(\d+)/.exec(versionId)?.[1] ?? versionId;
  return versionId;
}

/** Parses `--distro ubuntu-24.04` (any `id-version`; unsupported ones are allowed and reported as such). */
export function parseDistroFlag(value: string): HostDistro {
  const m = /^([a-z][a-z0-9.]*)-(\d[\w.]*)$/.exec(value.trim().toLowerCase());
  if (!m?.[1] || !m[2]) {
    throw new OpsError(`--distro must look like ubuntu-24.04, got ${value}`, {
      exitCode: 2,
      hint: `supported: ${SUPPORTED_DISTROS.join(', ')}`,
    });
  }
  const names: Record<string, string> = { ubuntu: 'Ubuntu', debian: 'Debian GNU/Linux' };
  return hostDistro(m[1], m[2], `${names[m[1]] ?? m[1]} ${m[2]}`);
}

/** NVIDIA's repository name for a distro (`ubuntu2404`, `debian12`), as in its download URLs. */
export function nvidiaRepoName(key: DistroKey): string {
  return key.replace('-', '').replace('.', '');
}
