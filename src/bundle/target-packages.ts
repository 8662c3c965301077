import type { AptSourceEntry } from '../images/apt-mirror.js';
import type { DistroKey } from '../setup/distro.js';

/** Release codenames: the suites a target's packages come from. */
const CODENAMES: Record<DistroKey, { family: 'debian' | 'ubuntu'; codename: string }> = {
  'debian-12': { family: 'debian', codename: 'bookworm' },
  'debian-13': { family: 'debian', codename: 'trixie' },
  'ubuntu-22.04': { family: 'ubuntu', codename: 'jammy' },
  'ubuntu-24.04': { family: 'ubuntu', codename: 'noble' },
};

/** The distribution's own Docker (what `ops setup` installs: src/setup/provision-steps.ts, docker-engine). */
const DOCKER_PACKAGES = ['docker.io'];
/**
 * NVIDIA's parts, from NVIDIA's repositories (which these machines cannot reach): the open-module driver with CUDA's
 * driver libraries, and the Container Toolkit's four packages (NVIDIA Container Toolkit install guide; the same list
 * `ops setup` installs).
 */
const NVIDIA_PACKAGES = [
  'nvidia-open',
  'nvidia-container-toolkit',
  'nvidia-container-toolkit-base',
  'libnvidia-container-tools',
  'libnvidia-container1',
];

/** What the bundle's repository must carry for a Plan on a target (pure). */
export function wantedPackages(input: { gpus: boolean }): { fromDistro: string[]; fromNvidia: string[] } {
  return { fromDistro: [...DOCKER_PACKAGES], fromNvidia: input.gpus ? [...NVIDIA_PACKAGES] : [] };
}

/**
 * The machine's apt sources that serve the target release (pure): entries whose suites are the target's codename
 * or its `-updates`/`-security` suites. When none do but the machine uses a mirror of the same family (a Debian
 * mirror for a Debian target), the target's suites on that mirror. Undefined when nothing here serves the target.
 */
export function targetSources(
  distro: DistroKey,
  entries: readonly AptSourceEntry[],
  familyMirror?: string,
): string | undefined {
  const { codename } = CODENAMES[distro];
  const ofTarget = (suite: string) => suite === codename || suite.startsWith(`${codename}-`);
  const lines: string[] = [];
  for (const e of entries) {
    if (!e.enabled || !e.types.includes('deb')) continue;
    const suites = e.suites.filter(ofTarget);
    if (suites.length === 0) continue;
    const options = e.signedBy ? `[signed-by=${e.signedBy}] ` : '';
    // One-line format: one suite per line (sources.list(5)).
    for (const uri of e.uris)
      for (const suite of suites) lines.push(`deb ${options}${uri} ${suite} ${e.components.join(' ')}`);
  }
  if (lines.length === 0 && familyMirror && CODENAMES[distro].family === 'debian') {
    for (const suite of [codename, `${codename}-updates`]) lines.push(`deb ${familyMirror} ${suite} main`);
  }
  return lines.length ? `${lines.join('\n')}\n` : undefined;
}
