/** Shell fragments shared by the apt-based steps (Ubuntu and Debian). */

/**
 * apt pointed at an air-gapped bundle's repository alone (`ops setup --bundle`): the `-o` options of
 * src/bundle/apt-repository.ts `privateApt` (sources, lists and cache of its own, so /etc/apt is neither read nor
 * changed) and the repository directory they name, for messages.
 */
export interface BundleApt {
  repo: string;
  options: readonly string[];
}

/** `apt-get` or `apt-cache`, with the bundle's private configuration when there is one. */
export function aptTool(tool: 'apt-get' | 'apt-cache', bundle?: BundleApt): string {
  return bundle ? [tool, ...bundle.options.map(shellQuote)].join(' ') : tool;
}

/**
 * Installs packages; refreshes the package lists only when the install fails on missing or stale ones, so a
 * satisfied install never touches the network. With a bundle, the lists are the bundle's (a file: repository, read
 * locally) and nothing else is consulted.
 */
export function aptInstall(packages: string[], bundle?: BundleApt): string {
  if (bundle) {
    const get = aptTool('apt-get', bundle);
    return `export DEBIAN_FRONTEND=noninteractive; ${get} -q update && ${get} install -y -q --no-install-recommends ${packages.join(' ')}`;
  }
  const install = `apt-get install -y -q --no-install-recommends ${packages.join(' ')}`;
  return `export DEBIAN_FRONTEND=noninteractive; ${install} || { apt-get update -q && ${install}; }`;
}

/** Installs every `.deb` of an air-gapped bundle directory (apt resolves their dependencies among them). */
export function aptInstallDir(dir: string): string {
  return `export DEBIAN_FRONTEND=noninteractive; ls ${shellQuote(dir)}/*.deb >/dev/null && apt-get install -y -q ${shellQuote(dir)}/*.deb`;
}

/** Single-quotes a value for bash. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
