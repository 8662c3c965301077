import { accessSync, constants, type Dirent, readdirSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { ImageRecipe } from './image-recipe.js';
import { runLogged } from './run-logged.js';

/**
 * A Debian root made by debootstrap (https://manpages.debian.org/debootstrap): `--variant=minbase` installs only
 * Essential packages plus apt, and `--include` adds the recipe's packages with their dependencies.
 */

/** Where debootstrap is, or an OpsError saying why it cannot run here (not root, not installed). */
export function findDebootstrap(
  env: NodeJS.ProcessEnv = process.env,
  uid: number | undefined = process.getuid?.(),
): string {
  if (uid !== 0) {
    throw new OpsError('building an engine image needs root: debootstrap creates device nodes and chroots', {
      hint: 'run it with sudo (sudo -E ops images build llama.cpp), or as root',
    });
  }
  // sbin directories are often missing from PATH under sudo or in minimal shells.
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, 'debootstrap');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  throw new OpsError('debootstrap is not installed', {
    hint: 'apt-get install debootstrap (or run scripts/ensure-docker.sh, which installs it)',
  });
}

/** Runs debootstrap for the recipe into `root` (which must not exist or be empty), logging its output as debug. */
export async function bootstrapRoot(options: {
  debootstrap: string;
  recipe: ImageRecipe;
  root: string;
  mirror: string;
  bus: EventBus;
  signal?: AbortSignal;
}): Promise<void> {
  const { recipe } = options;
  await runLogged(
    options.debootstrap,
    [
      '--variant=minbase',
      `--arch=${recipe.arch}`,
      `--include=${recipe.packages.join(',')}`,
      recipe.suite,
      options.root,
      options.mirror,
    ],
    {
      bus: options.bus,
      ...(options.signal ? { signal: options.signal } : {}),
      // No prompts from maintainer scripts; C locale so the log reads the same everywhere.
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
    },
  );
}

// apt's package lists and downloaded .debs are only needed to install more, which the image never does; logs
// record the bootstrap itself. Directories stay, so apt and dpkg in a derived image find what they expect.
const EMPTIED_KEEPING_DIRS = ['var/lib/apt/lists', 'var/cache/apt', 'var/log'];
const EMPTIED = ['tmp', 'var/tmp'];

/** Deletes apt lists and caches, logs and temp files from a bootstrapped root to shrink the image. */
export function shrinkRoot(root: string): void {
  for (const dir of EMPTIED_KEEPING_DIRS) emptyTree(join(root, dir), true);
  for (const dir of EMPTIED) emptyTree(join(root, dir), false);
  // debconf keeps a backup of its database next to it (config.dat-old); the database itself must stay.
  for (const entry of listDir(join(root, 'var/cache/debconf'))) {
    if (entry.name.endsWith('-old')) rmSync(join(root, 'var/cache/debconf', entry.name), { force: true });
  }
}

function emptyTree(dir: string, keepDirs: boolean): void {
  for (const entry of listDir(dir)) {
    const path = join(dir, entry.name);
    // Dirent.isDirectory() is false for a symlink, so links are removed as links and never followed.
    if (keepDirs && entry.isDirectory()) emptyTree(path, true);
    else rmSync(path, { recursive: true, force: true });
  }
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
