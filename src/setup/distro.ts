import { OpsError } from '../core/errors.js';

/** The distributions ops provisions itself (NVIDIA publishes driver and toolkit repositories for each). */
export const SUPPORTED_DISTROS = ['ubuntu-22.04', 'ubuntu-24.04', 'debian-12'] as const;
export type DistroKey = (typeof SUPPORTED_DISTROS)[number];

export interface HostDistro {
  id: string;
  versionId: string;
  pretty: string;
  /** Set when ops has the commands for it; null means "unsupported: here is what to do by hand". */
  key: DistroKey | null;
}

/** The distro from /etc/os-release's ID and VERSION_ID (pure). */
export function hostDistro(id: string, versionId: string, pretty = ''): HostDistro {
  const candidate = `${id}-${versionId}`;
  const key = (SUPPORTED_DISTROS as readonly string[]).includes(candidate) ? (candidate as DistroKey) : null;
  return { id, versionId, pretty: pretty || candidate, key };
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
