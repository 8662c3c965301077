/** Shell fragments shared by the apt-based steps (Ubuntu and Debian). */

/**
 * Installs packages; refreshes the package lists only when the install fails on missing or stale ones, so a
 * satisfied install never touches the network.
 */
export function aptInstall(packages: string[]): string {
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
