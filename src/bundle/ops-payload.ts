import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from '../core/process-runner.js';

export const OPS_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/**
 * The packages ops needs at run time, found by walking `dependencies` (and present `optionalDependencies`) through
 * node_modules from ops's own package.json. The packed ops runs its built dist/ (bin/ops.js), so tsx, which only
 * runs a checkout's sources, is not among them. Returned as directories under node_modules (a package's nested
 * node_modules go with it).
 */
export function runtimePackages(root = OPS_ROOT): { dirs: string[]; absent: string[] } {
  const modules = join(root, 'node_modules');
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const seen = new Set<string>();
  const absent: string[] = [];
  const queue = [...Object.keys(own.dependencies ?? {})];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    const manifest = join(modules, name, 'package.json');
    if (!existsSync(manifest)) {
      // A declared dependency missing here is one ops runs without on this machine; an optional one is for
      // another platform. Either way the bundle can only carry what is installed.
      if (own.dependencies?.[name]) absent.push(name);
      continue;
    }
    seen.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    queue.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}));
  }
  return { dirs: [...seen].sort().map((name) => `node_modules/${name}`), absent };
}

/** `npm pack` of ops into `outDir` (its prepack script builds dist/ first); returns the file name. */
export async function packOps(outDir: string, root = OPS_ROOT): Promise<string> {
  const { stdout } = await runChecked('npm', ['pack', '--silent', '--pack-destination', outDir], {
    cwd: root,
  });
  const file = stdout.trim().split('\n').pop()!;
  return file;
}

/** Where node_modules really is (a checkout may link it from elsewhere). */
export function realNodeModules(root = OPS_ROOT): string {
  return realpathSync(join(root, 'node_modules'));
}
