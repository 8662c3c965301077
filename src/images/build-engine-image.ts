import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { OpsError } from '../core/errors.js';
import { type EventBus, silentBus } from '../core/events.js';
import { timedStep } from '../core/timed-step.js';
import { type DebianMirror, findDebianMirror } from './apt-mirror.js';
import { bootstrapRoot, findDebootstrap, shrinkRoot } from './debootstrap.js';
import { buildDockerfile, importRootfs, inspectImage, removeImageQuietly } from './docker-image-steps.js';
import {
  engineImageLabels,
  IMAGE_LABEL,
  type ImageRecipe,
  type LlamaCppRecipeInput,
  llamaCppRecipe,
  rootfsImageLabels,
  splitReference,
} from './image-recipe.js';
import { createScratchDir, removeScratchDir } from './scratch-dir.js';

/** containers/llama.cpp/Dockerfile, found relative to this file so it works from any working directory. */
export const LLAMA_CPP_DOCKERFILE = join(
  fileURLToPath(new URL('.', import.meta.url)),
  '..',
  '..',
  'containers',
  'llama.cpp',
  'Dockerfile',
);

/** The llama.cpp recipe with the project's Dockerfile read from disk. */
export function loadLlamaCppRecipe(input: Omit<LlamaCppRecipeInput, 'dockerfile'> = {}): ImageRecipe {
  return llamaCppRecipe({ ...input, dockerfile: readFileSync(LLAMA_CPP_DOCKERFILE, 'utf8') });
}

export interface BuildEngineImageOptions {
  docker: Docker;
  recipe: ImageRecipe;
  bus?: EventBus;
  /** Rebuild everything even when the labels say the images are current (sid moves on daily). */
  force?: boolean;
  /** Where to bootstrap from; found in the apt sources (or OPS_APT_MIRROR) only when a bootstrap is needed. */
  mirror?: DebianMirror;
  env?: NodeJS.ProcessEnv;
  /** Parent of the temporary root (default: the OS temp dir); it needs ~400 MiB and must allow device nodes. */
  scratchParent?: string;
  signal?: AbortSignal;
}

export interface EngineImageBuild {
  tag: string;
  imageId: string;
  inputsHash: string;
  /** True when the image was already current and nothing was done. */
  cached: boolean;
  /** True when the imported root image was current and only the Dockerfile layer was rebuilt. */
  rootfsReused: boolean;
  sizeBytes: number;
  durationMs: number;
}

/**
 * Builds an engine image from Debian packages with no registry: debootstrap a root, import it as `<tag>-rootfs`,
 * build the recipe's Dockerfile on top, tag `<tag>`. Skips all work when the image's `ops.image.inputs-hash` label
 * matches, and the bootstrap when only the Dockerfile changed. Names are attached only to complete images, so an
 * interrupted or failed build leaves the previous image under the tag.
 */
export async function buildEngineImage(options: BuildEngineImageOptions): Promise<EngineImageBuild> {
  const { docker, recipe } = options;
  const bus = options.bus ?? silentBus();
  const started = performance.now();
  const elapsed = () => performance.now() - started;

  const existing = await inspectImage(docker, recipe.tag);
  if (!options.force && existing?.labels[IMAGE_LABEL.inputsHash] === recipe.inputsHash) {
    bus.emit({ kind: 'image:build', image: recipe.tag, phase: 'cached' });
    return {
      tag: recipe.tag,
      imageId: existing.id,
      inputsHash: recipe.inputsHash,
      cached: true,
      rootfsReused: true,
      sizeBytes: existing.sizeBytes,
      durationMs: elapsed(),
    };
  }

  try {
    const existingRootfs = await inspectImage(docker, recipe.rootfsTag);
    const rootfsReused =
      !options.force && existingRootfs?.labels[IMAGE_LABEL.rootfsHash] === recipe.rootfsHash;
    if (rootfsReused) {
      bus.emit({ kind: 'step:skip', step: 'bootstrap', reason: `${recipe.rootfsTag} is current` });
    } else {
      await bootstrapAndImport(options, bus);
    }

    bus.emit({ kind: 'image:build', image: recipe.tag, phase: 'layer' });
    const imageId = await timedStep(
      bus,
      'layer',
      () =>
        buildDockerfile(
          docker,
          recipe.dockerfile,
          {
            buildargs: { ROOTFS: recipe.rootfsTag },
            labels: engineImageLabels(recipe),
            ...(recipe.contextFiles ? { files: recipe.contextFiles } : {}),
          },
          { bus, ...(options.signal ? { signal: options.signal } : {}) },
        ),
      `Dockerfile on ${recipe.rootfsTag}`,
    );
    options.signal?.throwIfAborted();
    await docker.getImage(imageId).tag(splitReference(recipe.tag));

    // The replaced images are now untagged; drop them unless a container still uses them. Only ops' own.
    if (existing && existing.id !== imageId && existing.labels[IMAGE_LABEL.managed] === 'true') {
      await removeImageQuietly(docker, existing.id, bus);
    }
    if (!rootfsReused && existingRootfs && existingRootfs.labels[IMAGE_LABEL.managed] === 'true') {
      const current = await inspectImage(docker, recipe.rootfsTag);
      if (current && current.id !== existingRootfs.id)
        await removeImageQuietly(docker, existingRootfs.id, bus);
    }

    const built = await inspectImage(docker, recipe.tag);
    bus.emit({ kind: 'image:build', image: recipe.tag, phase: 'done' });
    return {
      tag: recipe.tag,
      imageId,
      inputsHash: recipe.inputsHash,
      cached: false,
      rootfsReused,
      sizeBytes: built?.sizeBytes ?? 0,
      durationMs: elapsed(),
    };
  } catch (error) {
    if (options.signal?.aborted) {
      throw new OpsError(`interrupted: ${recipe.tag} was not changed`, { cause: error, exitCode: 130 });
    }
    throw error;
  }
}

async function bootstrapAndImport(options: BuildEngineImageOptions, bus: EventBus): Promise<void> {
  const { docker, recipe } = options;
  const signal = options.signal ? { signal: options.signal } : {};
  // Checks first: nothing is created when root or debootstrap is missing.
  const debootstrap = findDebootstrap(options.env ?? process.env);
  const mirror = options.mirror ?? findDebianMirror({ env: options.env ?? process.env });
  const scratch = createScratchDir('ops-rootfs-', options.scratchParent);
  try {
    const root = join(scratch, 'root');
    bus.emit({ kind: 'image:build', image: recipe.tag, phase: 'bootstrap' });
    await timedStep(
      bus,
      'bootstrap',
      async () => {
        await bootstrapRoot({ debootstrap, recipe, root, mirror: mirror.uri, bus, ...signal });
        shrinkRoot(root);
      },
      `Debian ${recipe.suite} ${recipe.arch} + ${recipe.packages.join(', ')} from ${mirror.uri} (${mirror.source})`,
    );

    bus.emit({ kind: 'image:build', image: recipe.tag, phase: 'import' });
    await timedStep(
      bus,
      'import',
      async () => {
        const rootfsId = await importRootfs(docker, root, rootfsImageLabels(recipe), { bus, ...signal });
        options.signal?.throwIfAborted();
        await docker.getImage(rootfsId).tag(splitReference(recipe.rootfsTag));
      },
      recipe.rootfsTag,
    );
  } finally {
    try {
      removeScratchDir(scratch);
    } catch (error) {
      // Reported, not thrown: it must not hide why the build failed.
      const hint = error instanceof OpsError && error.hint ? ` (${error.hint})` : '';
      bus.emit({
        kind: 'log',
        level: 'warn',
        message: `${error instanceof Error ? error.message : error}${hint}`,
      });
    }
  }
}
