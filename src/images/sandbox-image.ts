import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecipe, DEFAULT_SUITE, debianArch, type ImageRecipe } from './image-recipe.js';

const CONTAINERS = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'containers', 'sandbox');

export const SANDBOX_RECIPE = 'sandbox-debian';
export const DEFAULT_SANDBOX_TAG = 'ops/sandbox:debian';
export const SANDBOX_DOCKERFILE = join(CONTAINERS, 'Dockerfile');
/**
 * python3 runs the Python tasks; nodejs and esbuild the TypeScript ones: Debian builds Node without its bundled
 * TypeScript stripper (amaro), so `node --experimental-strip-types` fails with ERR_NO_TYPESCRIPT there; esbuild
 * (a Go binary, no npm) strips the types and bundles the test with the solution instead. No npm, no pip: a
 * solution gets no package manager.
 */
export const SANDBOX_PACKAGES = ['python3', 'nodejs', 'esbuild'];

/** The eval sandbox image recipe: Debian packages, no registry, the entry script as a hashed context file. */
export function loadSandboxRecipe(input: { tag?: string; suite?: string } = {}): ImageRecipe {
  return createRecipe({
    recipe: SANDBOX_RECIPE,
    tag: input.tag ?? DEFAULT_SANDBOX_TAG,
    suite: input.suite ?? DEFAULT_SUITE,
    arch: debianArch(),
    packages: SANDBOX_PACKAGES,
    dockerfile: readFileSync(SANDBOX_DOCKERFILE, 'utf8'),
    contextFiles: { 'sandbox-run': readFileSync(join(CONTAINERS, 'sandbox-run'), 'utf8') },
  });
}
