import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { runChecked, runProcess } from '../core/process-runner.js';
import { runLogged } from '../images/run-logged.js';

/**
 * apt with a configuration of its own: sources, package lists, cache and (for resolving a whole closure) an empty
 * dpkg status live under `dir`, so nothing in /etc/apt or /var/lib/apt is read or changed. This is how the bundle's
 * packages are resolved for another release than the machine's, and how install uses the bundle's repository for
 * the install only (apt.conf(5): Dir::Etc::SourceList, Dir::State::Lists, Dir::State::Status, Dir::Cache).
 */
export interface PrivateApt {
  dir: string;
  options: string[];
}

export function privateApt(
  dir: string,
  sources: string,
  opts: { emptyStatus: boolean; arch?: string },
): PrivateApt {
  for (const sub of ['lists/partial', 'archives/partial', 'etc/sources.list.d', 'etc/preferences.d'])
    mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'etc', 'sources.list'), sources);
  const options = [
    `Dir::Etc::SourceList=${join(dir, 'etc', 'sources.list')}`,
    `Dir::Etc::SourceParts=${join(dir, 'etc', 'sources.list.d')}`,
    `Dir::Etc::Preferences=${join(dir, 'etc', 'preferences')}`,
    `Dir::Etc::PreferencesParts=${join(dir, 'etc', 'preferences.d')}`,
    `Dir::State::Lists=${join(dir, 'lists')}`,
    `Dir::Cache=${join(dir, 'cache')}`,
    `Dir::Cache::archives=${join(dir, 'archives')}`,
    'Acquire::Languages=none',
    // The downloads land in a directory root owns; apt's _apt sandbox user could not write there.
    'APT::Sandbox::User=root',
    ...(opts.arch ? [`APT::Architecture=${opts.arch}`] : []),
  ];
  if (opts.emptyStatus) {
    // Nothing installed: apt resolves the whole dependency closure, as a fresh target needs it.
    writeFileSync(join(dir, 'status'), '');
    options.push(`Dir::State::Status=${join(dir, 'status')}`, 'Debug::NoLocking=1');
  }
  return { dir, options: options.flatMap((o) => ['-o', o]) };
}

/** A package apt would fetch: its file name, URL, size and checksum as the archive's index states them. */
export interface PackageUri {
  name: string;
  file: string;
  url: string;
  bytes: number;
}

/** Parses `apt-get install --print-uris` lines: `'URL' FILE SIZE HASH` (pure). */
export function parsePrintUris(text: string): PackageUri[] {
  const out: PackageUri[] = [];
  for (const line of text.split('\n')) {
    const m = /^'([^']+)' (\S+\.deb) (\d+) /.exec(line.trim());
    if (m) out.push({ url: m[1]!, file: m[2]!, bytes: Number(m[3]), name: m[2]!.split('_')[0]! });
  }
  return out;
}

async function aptGet(apt: PrivateApt, args: string[]): Promise<string> {
  return (await runChecked('apt-get', [...apt.options, '-qq', ...args])).stdout;
}

/** Reads the target's package lists (from the machine's mirror) into the private directory. */
export async function updateLists(apt: PrivateApt, bus: EventBus): Promise<void> {
  await runLogged('apt-get', [...apt.options, '-q', 'update'], { bus });
}

/** Every .deb the packages need on a fresh system of the target release, with sizes (nothing is downloaded). */
export async function resolveClosure(apt: PrivateApt, packages: readonly string[]): Promise<PackageUri[]> {
  return parsePrintUris(
    await aptGet(apt, ['install', '--print-uris', '-y', '--no-install-recommends', ...packages]),
  );
}

/** Downloads the closure (apt checks every file against the signed index) and moves the .debs into `outDir`. */
export async function downloadClosure(
  apt: PrivateApt,
  packages: readonly string[],
  outDir: string,
  bus: EventBus,
): Promise<string[]> {
  await runLogged(
    'apt-get',
    [...apt.options, '-q', '-y', '--no-install-recommends', '--download-only', 'install', ...packages],
    {
      bus,
    },
  );
  mkdirSync(outDir, { recursive: true });
  const archives = join(apt.dir, 'archives');
  const files = readdirSync(archives).filter((f) => f.endsWith('.deb'));
  for (const f of files) renameSync(join(archives, f), join(outDir, f));
  return files;
}

/** Writes `Packages` for a flat repository of .debs (dpkg-scanpackages, from dpkg-dev). */
export async function writePackagesIndex(repoDir: string): Promise<string> {
  const result = await runProcess('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], {
    cwd: repoDir,
  });
  if (result.notFound)
    throw new OpsError('dpkg-scanpackages is not installed', { hint: 'apt-get install dpkg-dev' });
  if (result.exitCode !== 0)
    throw new CommandError(result.command, {
      exitStatus: result.exitCode,
      stdout: '',
      stderr: result.stderr,
    });
  return result.stdout;
}

/** The one-line source for a flat local repository (no signature: the bundle's own checksums vouch for it). */
export function localRepositorySource(repoDir: string): string {
  return `deb [trusted=yes] file:${repoDir} ./\n`;
}

/** Installs packages from the bundle's repository alone; the machine's own apt configuration is not touched. */
export async function installFromRepository(
  apt: PrivateApt,
  packages: readonly string[],
  bus: EventBus,
): Promise<void> {
  await updateLists(apt, bus);
  await runLogged(
    'apt-get',
    [...apt.options, '-q', '-y', '--no-install-recommends', 'install', ...packages],
    {
      bus,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    },
  );
}
