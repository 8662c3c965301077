import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { OpsError } from '../core/errors.js';

export const OPS_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** An image tag versioned with ops (`ops/gateway:0.1.0`), so the Pulumi stacks and `ops up` name the same image. */
export function versionedTag(name: string): string {
  const { version } = JSON.parse(readFileSync(join(OPS_ROOT, 'package.json'), 'utf8')) as { version: string };
  return `ops/${name}:${version}`;
}

/**
 * Bundles one of ops's container entry points (`gateway/main`, `agent/main`) with its dependencies into one
 * CommonJS file for an image: the sources in a checkout, the built `dist/` file in an installed package.
 * CommonJS because bundled CommonJS packages (prom-client) `require` Node built-ins. `extra` adds what one image
 * needs (the agent's native addon path).
 */
export async function bundleEntry(entry: string, extra: BuildOptions = {}): Promise<string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (cause) {
    throw new OpsError(`esbuild is needed to bundle ${entry} and is not installed`, {
      cause,
      hint: 'run `npm install` in the ops checkout',
    });
  }
  const source = join(OPS_ROOT, 'src', `${entry}.ts`);
  const result = await esbuild.build({
    entryPoints: [existsSync(source) ? source : join(OPS_ROOT, 'dist', `${entry}.js`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    ...extra,
  });
  const output = result.outputFiles?.[0];
  if (!output) throw new OpsError(`bundling ${entry} produced no output`);
  return output.text;
}
