#!/usr/bin/env node
// Runs the built JavaScript in dist/ (scripts/build.ts) when it is there and current; in a checkout whose dist/
// is missing or older than src/, runs the TypeScript sources through tsx's loader, so a checkout works with no
// build step and never runs stale code. An installed package has dist/ and no src/.
// OPS_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');

/** True when dist/ was built after the last change to any file in src/ (the build stamps its start time). */
function buildIsCurrent() {
  let stampMs;
  try {
    stampMs = statSync(join(root, 'dist', '.build-stamp')).mtimeMs;
  } catch {
    return false;
  }
  const src = join(root, 'src');
  // Directories too: deleting or renaming a source file changes only its directory's mtime.
  if (statSync(src).mtimeMs > stampMs) return false;
  for (const name of readdirSync(src, { recursive: true, encoding: 'utf8' }))
    if (statSync(join(src, name)).mtimeMs > stampMs) return false;
  return true;
}

async function fromSource() {
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(source).href);
}

let main;
if (!existsSync(source)) ({ main } = await import(pathToFileURL(built).href));
else if (process.env.OPS_FROM_SOURCE !== '1' && existsSync(built) && buildIsCurrent())
  ({ main } = await import(pathToFileURL(built).href));
else {
  try {
    ({ main } = await fromSource());
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes("'tsx'")) throw error;
    // A checkout without devDependencies (npm install --omit=dev): the build, however old, is all there is.
    if (!existsSync(built)) {
      process.stderr.write('error: this checkout has neither dist/ nor tsx to run src/\n');
      process.stderr.write('hint: run `npm install` and `npm run build` in it\n');
      process.exit(1);
    }
    process.stderr.write('warning: running dist/, which is older than src/ (run `npm run build`)\n');
    ({ main } = await import(pathToFileURL(built).href));
  }
}
process.exitCode = await main(process.argv);
