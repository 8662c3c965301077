import type { Command } from 'commander';
import { formatBytes, formatMs } from '../../core/console-reporter.js';
import { ValidationError } from '../../core/errors.js';
import { loadAgentRecipe } from '../../images/agent-image.js';
import { buildEngineImage, loadLlamaCppRecipe } from '../../images/build-engine-image.js';
import { loadGatewayRecipe } from '../../images/gateway-image.js';
import { DEFAULT_LLAMA_CPP_TAG, DEFAULT_SUITE } from '../../images/image-recipe.js';
import { listManagedImages } from '../../images/managed-images.js';
import { loadNodeExporterRecipe, loadPrometheusRecipe } from '../../images/prometheus-image.js';
import { loadSandboxRecipe } from '../../images/sandbox-image.js';
import { connectDocker } from '../../runtime/docker-connection.js';
import type { RegisterCommand } from './index.js';

const RECIPES = ['llama.cpp', 'gateway', 'agent', 'prometheus', 'node-exporter', 'sandbox'];

interface BuildOptions {
  tag?: string;
  suite?: string;
  force?: boolean;
  json?: boolean;
}

/** `ops images build <recipe>` and `ops images list`: engine images built from Debian packages, no registry. */
export const registerImagesCommands: RegisterCommand = (program: Command, getContext) => {
  const images = program
    .command('images')
    .description('build and list the engine images ops makes from Debian packages');

  images
    .command('build')
    .description('build an engine image with debootstrap (needs root); skipped when the image is current')
    .argument('<recipe>', `what to build: ${RECIPES.join(', ')}`)
    .option(
      '--tag <tag>',
      `image reference to create (default: ${DEFAULT_LLAMA_CPP_TAG}, or ops/gateway:<version>, ops/agent:<version>)`,
    )
    .option('--suite <suite>', 'Debian suite to bootstrap', DEFAULT_SUITE)
    .option('--force', 'rebuild even if the image is current (e.g. to pick up newer sid packages)')
    .option('--json', 'print the result as JSON')
    .action(async (recipeName: string, options: BuildOptions) => {
      if (!RECIPES.includes(recipeName)) {
        throw new ValidationError('ops images build', [
          { path: 'recipe', message: `unknown recipe ${recipeName}; known: ${RECIPES.join(', ')}` },
        ]);
      }
      const context = getContext();
      const input = {
        ...(options.tag ? { tag: options.tag } : {}),
        ...(options.suite ? { suite: options.suite } : {}),
      };
      const recipe =
        recipeName === 'gateway'
          ? await loadGatewayRecipe(input)
          : recipeName === 'agent'
            ? await loadAgentRecipe(input)
            : recipeName === 'prometheus'
              ? loadPrometheusRecipe(input)
              : recipeName === 'node-exporter'
                ? loadNodeExporterRecipe(input)
                : recipeName === 'sandbox'
                  ? loadSandboxRecipe(input)
                  : loadLlamaCppRecipe(input);
      const docker = await connectDocker();
      // First Ctrl-C stops the build cleanly (temp root removed, tag untouched); a second one kills as usual.
      const abort = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => abort.abort(new Error(`received ${signal}`));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const result = await buildEngineImage({
          docker,
          recipe,
          bus: context.bus,
          force: options.force ?? false,
          signal: abort.signal,
        });
        const what = result.cached
          ? 'is current (cached)'
          : `built${result.rootfsReused ? ' (root image reused)' : ''}`;
        context.output(
          `${result.tag} ${what}: ${formatBytes(result.sizeBytes)}, inputs ${result.inputsHash.slice(0, 12)}, ${formatMs(result.durationMs)}`,
          result,
          options.json ?? false,
        );
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });

  images
    .command('list')
    .description('list the images ops built (labelled ops.managed=true)')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }) => {
      const context = getContext();
      const list = await listManagedImages(await connectDocker());
      const rows = list.map((image) => [
        image.tags.join(',') || '<untagged>',
        image.kind,
        formatBytes(image.sizeBytes),
        image.createdAt.replace(/\.\d+Z$/, 'Z'),
        image.inputsHash?.slice(0, 12) ?? '-',
      ]);
      const human =
        list.length === 0
          ? 'no ops images yet (ops images build llama.cpp)'
          : formatTable(['TAG', 'KIND', 'SIZE', 'CREATED', 'INPUTS HASH'], rows);
      context.output(human, list, options.json ?? false);
    });
};

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
