import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { runCommand } from '../detect/command-runner.js';

/**
 * Files that may be indexed: what git tracks or would track (`.gitignore` honoured by git itself), else a walk
 * that skips the usual generated directories; secrets files never, whatever git says.
 */
export async function listRepoFiles(root: string): Promise<string[]> {
  const git = await runCommand('git', [
    '-C',
    root,
    'ls-files',
    '--cached',
    '--others',
    '--exclude-standard',
    '-z',
  ]);
  const files =
    git.exitStatus === 0
      ? git.stdout.split('\0').filter(Boolean)
      : walk(root, root).map((p) => p.split(sep).join('/'));
  return files.filter((f) => isIndexable(f)).sort();
}

/** Never indexed: keys, credentials and env files (their contents must not reach a prompt). */
const SECRET = [
  /(^|\/)\.env(\..*)?$/,
  /(^|\/)\.npmrc$/,
  /(^|\/)\.netrc$/,
  /(^|\/)\.pypirc$/,
  /(^|\/)id_(rsa|dsa|ecdsa|ed25519)(\.pub)?$/,
  /\.(pem|key|p12|pfx|keystore|jks|kdbx)$/i,
  /(^|\/)(credentials|secrets?)(\.[\w]+)?$/i,
  /(^|\/)\.ssh\//,
  /(^|\/)\.aws\//,
];
/** Text we can read and rank; binaries, lock files and weights are skipped. */
const TEXT =
  /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|py|go|rs|java|kt|c|h|cc|cpp|hpp|cs|rb|php|swift|sh|bash|zsh|md|yaml|yml|json|toml|sql|html|css|scss|txt|dockerfile|mk)$|(^|\/)(Makefile|Dockerfile)$/i;
const SKIP = /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml)$/;
const MAX_BYTES = 512 * 1024;

export function isSecretFile(path: string): boolean {
  return SECRET.some((r) => r.test(path));
}

export function isIndexable(path: string): boolean {
  return TEXT.test(path) && !SKIP.test(path) && !isSecretFile(path);
}

/** Files larger than this are not chunked (generated bundles, data). */
export function tooLarge(bytes: number): boolean {
  return bytes > MAX_BYTES;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', 'dist', 'build', '.venv', '__pycache__', 'target']);

function walk(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    const s = statSync(path, { throwIfNoEntry: false });
    if (s?.isDirectory()) out.push(...walk(root, path));
    else if (s?.isFile()) out.push(relative(root, path));
  }
  return out;
}
