import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntry, versionedTag } from './bundle-entry.js';
import { createRecipe, DEFAULT_SUITE, debianArch, type ImageRecipe } from './image-recipe.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const GATEWAY_RECIPE = 'gateway-debian';
export const GATEWAY_DOCKERFILE = join(ROOT, 'containers', 'gateway', 'Dockerfile');
/** nodejs runs the bundle (sid carries a current LTS); curl serves the container health check. */
export const GATEWAY_PACKAGES = ['nodejs', 'curl', 'ca-certificates'];

/** The gateway image's tag: versioned with ops, so the Pulumi stacks and `ops up` name the same image. */
export function defaultGatewayTag(): string {
  return versionedTag('gateway');
}

/** Bundles src/gateway/main.ts and its pure-JS dependencies into one CommonJS file (no node_modules, nothing native). */
export function bundleGateway(): Promise<string> {
  return bundleEntry('gateway/main');
}

/** The gateway image recipe: Debian root with Node.js, plus the bundle (its hash is part of the inputs). */
export async function loadGatewayRecipe(input: { tag?: string; suite?: string } = {}): Promise<ImageRecipe> {
  return createRecipe({
    recipe: GATEWAY_RECIPE,
    tag: input.tag ?? defaultGatewayTag(),
    suite: input.suite ?? DEFAULT_SUITE,
    arch: debianArch(),
    packages: GATEWAY_PACKAGES,
    dockerfile: readFileSync(GATEWAY_DOCKERFILE, 'utf8'),
    contextFiles: { 'gateway.cjs': await bundleGateway() },
  });
}
