import { compareVersions } from '../cuda-compat/cuda-driver-table.js';

/**
 * What a driver pin (`580`, `550.127`, `580.95.05`) becomes on an apt system. NVIDIA publishes version-locking
 * packages for Debian and Ubuntu, `nvidia-driver-pinning-<branch>` ("APT driver pinning file for driver branch 580")
 * and `nvidia-driver-pinning-<version>` for one release, to be installed before the driver (driver installation
 * guide, "Recent Updates: Version locking packages for Ubuntu / Debian" and "Version locking":
 * https://docs.nvidia.com/datacenter/tesla/driver-installation-guide/version-locking.html); the driver packages are
 * then the unversioned `nvidia-open` / `cuda-drivers`. Where no pinning package exists for the pin (older branches),
 * an apt preferences file pins the driver packages' versions instead (apt_preferences(5)). A pin that matches neither
 * is refused, listing what the repository has.
 */
export const PINNING_PACKAGE_PREFIX = 'nvidia-driver-pinning-';
export const APT_PREFERENCES_FILE = '/etc/apt/preferences.d/ops-nvidia-driver-pin';

/** What the box's apt knows (from the probe); empty lists when NVIDIA's repository is not configured yet. */
export interface AptDriverCatalog {
  /** Names of the `nvidia-driver-pinning-*` packages apt can install. */
  pinningPackages: string[];
  /** Versions of the driver package apt can install (`apt-cache madison`), e.g. `580.95.05-1`. */
  driverVersions: string[];
}

export type PinResolution =
  | { kind: 'pinning-package'; package: string; detail: string }
  | { kind: 'apt-preferences'; versionGlob: string; matches: string[]; detail: string }
  /** NVIDIA's repository is not configured yet: checked by the step's own command before anything is installed. */
  | { kind: 'unverified'; package: string; detail: string }
  | { kind: 'refused'; detail: string; available: string[] };

const upstream = (v: string) => v.replace(/^\d+:/, '').split('-')[0] ?? v;

/** The versions and branches the repository offers, newest first, for messages. */
export function availableDriverVersions(catalog: AptDriverCatalog): string[] {
  const versions = new Set<string>();
  for (const p of catalog.pinningPackages) versions.add(p.slice(PINNING_PACKAGE_PREFIX.length));
  for (const v of catalog.driverVersions) versions.add(upstream(v));
  return [...versions].filter(Boolean).sort((a, b) => compareVersions(b, a));
}

/** Resolves a pin against the repository (pure). */
export function resolveDriverPin(pin: string, catalog: AptDriverCatalog): PinResolution {
  const pkg = `${PINNING_PACKAGE_PREFIX}${pin}`;
  if (catalog.pinningPackages.length === 0 && catalog.driverVersions.length === 0) {
    return {
      kind: 'unverified',
      package: pkg,
      detail: `pin ${pin}: NVIDIA's repository is not configured yet; the pin is checked against it before any driver package is installed`,
    };
  }
  if (catalog.pinningPackages.includes(pkg))
    return { kind: 'pinning-package', package: pkg, detail: `pin ${pin} with NVIDIA's ${pkg}` };
  const matches = catalog.driverVersions.filter((v) => {
    const u = upstream(v);
    return u === pin || u.startsWith(`${pin}.`);
  });
  if (matches.length > 0) {
    return {
      kind: 'apt-preferences',
      versionGlob: `${pin}.*`,
      matches,
      detail: `pin ${pin}: no ${pkg} in the repository; apt preferences hold the driver at ${matches.map(upstream).join(', ')}`,
    };
  }
  const available = availableDriverVersions(catalog);
  return {
    kind: 'refused',
    available,
    detail: `pin ${pin} matches no driver package in the repository (no ${pkg}, no driver version ${pin}.*); available: ${available.slice(0, 15).join(', ') || 'none'}`,
  };
}

/** The apt preferences text that holds NVIDIA's driver packages at a version (a priority over 1000 also downgrades). */
export function aptPreferencesText(versionGlob: string): string {
  return [
    '# Written by ops setup: holds the NVIDIA driver at the pinned version (apt_preferences(5)).',
    'Package: cuda-drivers* nvidia-open* nvidia-driver* nvidia-dkms* nvidia-kernel* nvidia-utils* nvidia-compute-utils* libnvidia-* nvidia-firmware* firmware-nvidia*',
    `Pin: version ${versionGlob}`,
    'Pin-Priority: 1001',
    '',
  ].join('\n');
}
