import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpsError } from '../core/errors.js';
import { bundleEntry, versionedTag } from './bundle-entry.js';
import { createRecipe, DEFAULT_SUITE, debianArch, type ImageRecipe } from './image-recipe.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const AGENT_RECIPE = 'agent-debian';
export const AGENT_DOCKERFILE = join(ROOT, 'containers', 'agent', 'Dockerfile');
/** What the host's node binary and the SQLite addon link against beyond libc (ldd: libstdc++, libgcc_s). */
export const AGENT_PACKAGES = ['libstdc++6'];
/** Where the image keeps the addon; the bundle's `bindings` lookup is replaced by this path. */
export const AGENT_ADDON_PATH = '/opt/ops/better_sqlite3.node';

/** The agent image's tag: versioned with ops, like the gateway's. */
export function defaultAgentTag(): string {
  return versionedTag('agent');
}

/**
 * The compiled SQLite addon npm built for this host's Node.js. better-sqlite3 finds it with the `bindings` package
 * (a search of build directories); in the image it sits at AGENT_ADDON_PATH and the bundle loads it from there.
 */
export function sqliteAddonFile(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('better-sqlite3/package.json'));
  const file = join(pkg, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(file))
    throw new OpsError(`better-sqlite3 has no compiled addon at ${file}`, {
      hint: 'run `npm rebuild better-sqlite3` in the ops installation',
    });
  return file;
}

/**
 * Bundles src/agent/main.ts and its dependencies into one CommonJS file, better-sqlite3's JavaScript included;
 * its addon is loaded from AGENT_ADDON_PATH (the `bindings` package, which searches node_modules, is replaced).
 */
export function bundleAgent(): Promise<string> {
  return bundleEntry('agent/main', {
    // Modules that read files beside themselves (the default price list) are not on the agent's path; a fixed URL
    // keeps the bundle loadable.
    define: { 'import.meta.url': JSON.stringify('file:///opt/ops/agent.cjs') },
    plugins: [
      {
        name: 'sqlite-addon-path',
        setup(build) {
          build.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'ops-addon' }));
          build.onLoad({ filter: /.*/, namespace: 'ops-addon' }, () => ({
            contents: `module.exports = () => require(${JSON.stringify(AGENT_ADDON_PATH)});`,
            loader: 'js',
          }));
        },
      },
    ],
    external: [AGENT_ADDON_PATH],
  });
}

/**
 * The agent image recipe: a Debian root with libstdc++, the host's Node.js, the SQLite addon built for it and the
 * bundle. All three are hashed inputs: a new Node.js or a rebuilt addon makes a new image.
 */
export async function loadAgentRecipe(input: { tag?: string; suite?: string } = {}): Promise<ImageRecipe> {
  return createRecipe({
    recipe: AGENT_RECIPE,
    tag: input.tag ?? defaultAgentTag(),
    suite: input.suite ?? DEFAULT_SUITE,
    arch: debianArch(),
    packages: AGENT_PACKAGES,
    dockerfile: readFileSync(AGENT_DOCKERFILE, 'utf8'),
    contextFiles: {
      'agent.cjs': await bundleAgent(),
      node: readFileSync(process.execPath),
      'better_sqlite3.node': readFileSync(sqliteAddonFile()),
    },
  });
}
