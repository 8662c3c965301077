import { createReadStream, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { runChecked } from '../core/process-runner.js';
import { readDockerStream } from './docker-json-stream.js';
import { createScratchDir, removeScratchDir } from './scratch-dir.js';

/** The image a reference points at, with its labels, or undefined when there is none. */
export async function inspectImage(
  docker: Docker,
  reference: string,
): Promise<{ id: string; labels: Record<string, string>; sizeBytes: number } | undefined> {
  try {
    const info = await docker.getImage(reference).inspect();
    return { id: info.Id, labels: info.Config?.Labels ?? {}, sizeBytes: info.Size };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/**
 * Archives the root with `tar` (through the one process runner) into a scratch file, then streams that file into the
 * Engine API's image import (`docker import -`) and returns the new image's id. The archive is complete before the
 * daemon sees a byte, so a failed tar never leaves a partial image; the image is still left untagged (the caller tags
 * only a complete build).
 */
export async function importRootfs(
  docker: Docker,
  root: string,
  labels: Record<string, string>,
  options: { bus: EventBus; signal?: AbortSignal },
): Promise<string> {
  // Beside the root, on the same disk (a tmpfs /tmp may be too small for a root file system).
  const scratch = createScratchDir('ops-rootfs-tar-', dirname(root));
  try {
    const archive = join(scratch, 'rootfs.tar');
    // Numeric owners: the names in the root's /etc/passwd, not this host's, are the ones that count.
    // /dev, /proc and /sys are filled by the container runtime; debootstrap's device nodes are not wanted there.
    await runChecked(
      'tar',
      [
        '-C',
        root,
        '--numeric-owner',
        '--exclude=./dev/*',
        '--exclude=./proc/*',
        '--exclude=./sys/*',
        '-cf',
        archive,
        '.',
      ],
      options.signal ? { signal: options.signal } : {},
    );
    const changes = Object.entries(labels).map(
      ([key, value]) => `LABEL ${JSON.stringify(key)}=${JSON.stringify(value)}`,
    );
    const response = await docker.importImage(createReadStream(archive), {
      changes,
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
    const messages = await readDockerStream(response);
    // The last status line of an import is the new image id (Engine API, POST /images/create with fromSrc).
    const imageId = messages
      .map((m) => m.status?.trim() ?? '')
      .reverse()
      .find((s) => /^sha256:[0-9a-f]{64}$/.test(s));
    if (!imageId) throw new OpsError('docker import finished without reporting an image id');
    return imageId;
  } finally {
    removeScratchDir(scratch);
  }
}

/**
 * Builds a Dockerfile (given as text, so what was hashed is what is built) with an empty context, and returns the
 * image id, untagged: the caller tags it once everything succeeded.
 */
export async function buildDockerfile(
  docker: Docker,
  dockerfile: string,
  build: {
    buildargs: Record<string, string>;
    labels: Record<string, string>;
    files?: Record<string, string | Uint8Array>;
  },
  options: { bus: EventBus; signal?: AbortSignal },
): Promise<string> {
  const context = createScratchDir('ops-build-context-');
  try {
    writeFileSync(join(context, 'Dockerfile'), dockerfile);
    const files = Object.entries(build.files ?? {});
    for (const [name, content] of files) writeFileSync(join(context, name), content);
    const response = await docker.buildImage(
      { context, src: ['Dockerfile', ...files.map(([name]) => name)] },
      {
        buildargs: build.buildargs,
        labels: build.labels,
        // Remove intermediate containers even when a step fails, so a failed build leaves nothing running or stopped.
        rm: true,
        forcerm: true,
        ...(options.signal ? { abortSignal: options.signal } : {}),
      },
    );
    const messages = await readDockerStream(response, (message) => {
      const line = message.stream?.trimEnd();
      if (line) options.bus.emit({ kind: 'log', level: 'debug', message: `docker build: ${line}` });
    });
    // API ≥ 1.30 reports the result as {"aux":{"ID":"sha256:…"}}; older daemons only print "Successfully built".
    const id =
      messages.find((m) => m.aux?.ID)?.aux?.ID ??
      messages.map((m) => /Successfully built ([0-9a-f]+)/.exec(m.stream ?? '')?.[1]).find(Boolean);
    if (!id) throw new OpsError('docker build finished without reporting an image id');
    return id;
  } finally {
    removeScratchDir(context);
  }
}

/** Removes an image by id if nothing uses it; failures (in use, already gone) are only logged. */
export async function removeImageQuietly(docker: Docker, id: string, bus: EventBus): Promise<void> {
  try {
    await docker.getImage(id).remove();
    bus.emit({ kind: 'log', level: 'debug', message: `removed previous image ${id.slice(0, 19)}` });
  } catch (error) {
    bus.emit({
      kind: 'log',
      level: 'debug',
      message: `kept previous image ${id.slice(0, 19)}: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
    });
  }
}
