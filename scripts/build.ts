/**
 * Builds src/ to JavaScript in dist/, one file per source file (no bundle), so `ops` runs on plain Node with no
 * devDependencies and no run-time transpiling.
 *
 * Why per file and not one bundle: dist/<path>.js sits at the same depth below the package root as
 * src/<path>.ts, so every `new URL('../../catalog', import.meta.url)` in the sources finds the same files from
 * either; commands are loaded with dynamic import() and stay separate files that load only when they run; and
 * every package in node_modules (better-sqlite3's native addon, dockerode, esbuild itself) stays external
 * because nothing is bundled. Files in src/ that are not TypeScript (report/default-prices.yaml) are copied.
 *
 * Run: `node --import tsx scripts/build.ts` (make build, npm run build, and npm pack's prepack do).
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
/** bin/ops.js runs dist/ only when this stamp is newer than every file in src/ (see bin/ops.js). */
export const BUILD_STAMP = '.build-stamp';

const started = Date.now();
const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .map((f) => join(SRC, f))
  .filter((f) => statSync(f).isFile());
const sources = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const assets = files.filter((f) => !f.endsWith('.ts'));

// A clean dist: a source that was deleted or renamed must not leave a module behind that still imports.
rmSync(DIST, { recursive: true, force: true });
await build({
  entryPoints: sources,
  outdir: DIST,
  outbase: SRC,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
for (const asset of assets) {
  const to = join(DIST, relative(SRC, asset));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(asset, to);
}
// Stamped with the time the sources were read, so an edit made while building counts as newer.
const stamp = join(DIST, BUILD_STAMP);
writeFileSync(stamp, `${sources.length} modules\n`);
utimesSync(stamp, new Date(started), new Date(started));
process.stdout.write(
  `built ${sources.length} modules and ${assets.length} asset(s) into ${relative(process.cwd(), DIST) || '.'}/ in ${Date.now() - started} ms\n`,
);
