import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpsError } from '../core/errors.js';

/**
 * Finds the Debian archive mirror this machine already uses, from its apt configuration, so an image can be
 * bootstrapped from the same (possibly internal) mirror with no host name written into ops.
 * Formats: sources.list(5) — deb822 `*.sources` files and one-line `sources.list` / `*.list` files.
 */
export interface AptSourceEntry {
  /** File the entry came from, for messages. */
  file: string;
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  /** deb822 `Enabled: no` turns an entry off (sources.list(5)). */
  enabled: boolean;
  signedBy?: string;
}

export interface DebianMirror {
  uri: string;
  /** Where it came from: a file path or `OPS_APT_MIRROR`. */
  source: string;
}

// Every Debian release codename since 1.1, plus the symbolic suites; Ubuntu and derivative suites are not here.
// Source: https://www.debian.org/releases/ and https://wiki.debian.org/DebianReleases
const DEBIAN_SUITES = new Set([
  ...['buzz', 'rex', 'bo', 'hamm', 'slink', 'potato', 'woody', 'sarge', 'etch', 'lenny', 'squeeze', 'wheezy'],
  ...['jessie', 'stretch', 'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid'],
  ...['stable', 'testing', 'unstable', 'oldstable', 'oldoldstable', 'experimental'],
]);
const DEBIAN_COMPONENTS = new Set(['main', 'contrib', 'non-free', 'non-free-firmware']);
// debootstrap fetches with wget over these; apt-only methods (mirror+, cdrom:, tor+) cannot be handed to it.
const BOOTSTRAP_SCHEMES = new Set(['http:', 'https:', 'file:']);

/** True for a Debian suite name, with or without a `-updates`/`-backports`/`-security` style suffix. */
export function isDebianSuite(suite: string): boolean {
  return DEBIAN_SUITES.has(suite.split(/[-/]/)[0]!.toLowerCase());
}

/** True for the security archive, which only carries updates and cannot bootstrap a system. */
export function isSecuritySource(uri: string, suite: string): boolean {
  return /-security$|\/updates$/.test(suite) || pathComponents(uri).includes('debian-security');
}

/** Parses a deb822 `.sources` file: paragraphs of `Field: value`, continuation lines indented, `#` comments. */
export function parseDeb822Sources(text: string, file = '<deb822>'): AptSourceEntry[] {
  const entries: AptSourceEntry[] = [];
  for (const paragraph of text.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of paragraph.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^[ \t]/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const match = /^([A-Za-z0-9-]+):(.*)$/.exec(line);
      if (!match) continue;
      last = match[1]!.toLowerCase();
      fields.set(last, match[2]!.trim());
    }
    if (!fields.has('uris')) continue;
    const list = (name: string) => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
    entries.push({
      file,
      types: list('types'),
      uris: list('uris'),
      suites: list('suites'),
      components: list('components'),
      enabled: !/^(no|false|0)$/i.test(fields.get('enabled') ?? 'yes'),
      ...(fields.has('signed-by') ? { signedBy: fields.get('signed-by')! } : {}),
    });
  }
  return entries;
}

/** Parses one-line entries: `deb [opt=val ...] URI SUITE [COMPONENT...]`; `#` starts a comment. */
export function parseOneLineSources(text: string, file = '<sources.list>'): AptSourceEntry[] {
  const entries: AptSourceEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/#.*$/, '').trim();
    const type = /^(deb|deb-src)\s+/.exec(line);
    if (!type) continue;
    line = line.slice(type[0].length);
    let signedBy: string | undefined;
    const options = /^\[([^\]]*)\]\s*/.exec(line);
    if (options) {
      signedBy = /(?:^|\s)signed-by=(\S+)/.exec(options[1]!)?.[1];
      line = line.slice(options[0].length);
    }
    const [uri, suite, ...components] = line.split(/\s+/);
    if (!uri || !suite) continue;
    entries.push({
      file,
      types: [type[1]!],
      uris: [uri],
      suites: [suite],
      components,
      enabled: true,
      ...(signedBy ? { signedBy } : {}),
    });
  }
  return entries;
}

/** Parses one apt source file by its name; files apt itself ignores (other extensions) give no entries. */
export function parseAptSourceFile(file: string, text: string): AptSourceEntry[] {
  if (file.endsWith('.sources')) return parseDeb822Sources(text, file);
  if (file.endsWith('.list')) return parseOneLineSources(text, file);
  return [];
}

/**
 * Picks the Debian archive among the entries: enabled `deb` entries, not the security archive, recognised by a
 * Debian suite name or a `debian` path component (never by host name). When several match, the most Debian-like
 * wins (suite, path, a Debian component, the Debian keyring or none) — a third-party repo laid out like
 * `…/debian bookworm stable` scores lower — and among equals the first in apt's reading order.
 */
export function pickDebianMirror(entries: AptSourceEntry[]): { uri: string; file: string } | undefined {
  let best: { uri: string; file: string; score: number } | undefined;
  for (const entry of entries) {
    if (!entry.enabled || !entry.types.includes('deb')) continue;
    for (const uri of entry.uris) {
      if (!BOOTSTRAP_SCHEMES.has(schemeOf(uri))) continue;
      const suites = entry.suites.filter((suite) => !isSecuritySource(uri, suite));
      if (suites.length === 0) continue;
      const debianSuite = suites.some(isDebianSuite);
      const debianPath = pathComponents(uri).includes('debian');
      if (!debianSuite && !debianPath) continue;
      const score =
        (debianSuite ? 4 : 0) +
        (debianPath ? 2 : 0) +
        (entry.components.some((c) => DEBIAN_COMPONENTS.has(c)) ? 1 : 0) +
        (entry.signedBy === undefined || entry.signedBy.includes('debian-archive-keyring') ? 1 : 0);
      if (!best || score > best.score) best = { uri: uri.replace(/\/+$/, ''), file: entry.file, score };
    }
  }
  return best && { uri: best.uri, file: best.file };
}

/** Reads the apt source files in apt's order: `sources.list`, then `sources.list.d/` sorted by name. */
export function readAptSources(aptDir = '/etc/apt'): AptSourceEntry[] {
  const files = [join(aptDir, 'sources.list')];
  try {
    const dir = join(aptDir, 'sources.list.d');
    for (const name of readdirSync(dir).sort()) files.push(join(dir, name));
  } catch {
    // No sources.list.d: only sources.list counts.
  }
  return files.flatMap((file) => {
    try {
      return parseAptSourceFile(file, readFileSync(file, 'utf8'));
    } catch {
      return [];
    }
  });
}

/** The Debian mirror to bootstrap from: `OPS_APT_MIRROR` if set, else the one in the machine's apt sources. */
export function findDebianMirror(options: { env?: NodeJS.ProcessEnv; aptDir?: string } = {}): DebianMirror {
  const env = options.env ?? process.env;
  const override = env.OPS_APT_MIRROR?.trim();
  if (override) {
    if (!BOOTSTRAP_SCHEMES.has(schemeOf(override))) {
      throw new OpsError(`OPS_APT_MIRROR is not an http(s):// or file:// URL: ${override}`, {
        hint: 'set it to the Debian archive root, e.g. OPS_APT_MIRROR=http://mirror.example/debian',
        exitCode: 2,
      });
    }
    return { uri: override.replace(/\/+$/, ''), source: 'OPS_APT_MIRROR' };
  }
  const aptDir = options.aptDir ?? '/etc/apt';
  const picked = pickDebianMirror(readAptSources(aptDir));
  if (!picked) {
    throw new OpsError(`no Debian archive found in the apt sources under ${aptDir}`, {
      hint:
        'set OPS_APT_MIRROR to a Debian mirror this machine can reach (the archive root, the directory holding dists/), ' +
        'or add one to /etc/apt/sources.list.d/debian.sources',
    });
  }
  return { uri: picked.uri, source: picked.file };
}

function schemeOf(uri: string): string {
  const match = /^([a-z][a-z0-9+.-]*:)/i.exec(uri);
  return match ? match[1]!.toLowerCase() : '';
}

function pathComponents(uri: string): string[] {
  try {
    return new URL(uri).pathname.split('/').filter(Boolean);
  } catch {
    return [];
  }
}
