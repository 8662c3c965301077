import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpsError } from '../core/errors.js';
import { createRecipe, DEFAULT_SUITE, debianArch, type ImageRecipe } from './image-recipe.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const GATEWAY_RECIPE = 'gateway-debian';
export const GATEWAY_DOCKERFILE = join(ROOT, 'containers', 'gateway', 'Dockerfile');
/** nodejs runs the bundle (sid carries a current LTS); curl serves the container health check. */
export const GATEWAY_PACKAGES = ['nodejs', 'curl', 'ca-certificates'];

/** The gateway image's tag: versioned with ops, so the Pulumi stacks and `ops up` name the same image. */
export function defaultGatewayTag(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return `ops/gateway:${version}`;
}

/** The gateway's entry: the sources in a checkout, the built dist/gateway/main.js in an installed package. */
function gatewayEntry(): string {
  const source = join(ROOT, 'src', 'gateway', 'main.ts');
  return existsSync(source) ? source : join(ROOT, 'dist', 'gateway', 'main.js');
}

/**
 * Bundles src/gateway/main.ts and its pure-JS dependencies into one CommonJS file (no node_modules in the
 * image, nothing native). CommonJS because bundled CommonJS packages (prom-client) `require` Node built-ins.
 */
export async function bundleGateway(): Promise<string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (cause) {
    throw new OpsError('esbuild is needed to bundle the gateway and is not installed', {
      cause,
      hint: 'run `npm install` in the ops checkout',
    });
  }
  const result = await esbuild.build({
    entryPoints: [gatewayEntry()],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const output = result.outputFiles[0];
  if (!output) throw new OpsError('bundling the gateway produced no output');
  return output.text;
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
