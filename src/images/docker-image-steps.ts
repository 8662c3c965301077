import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { CommandError, OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
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
 * Streams `tar -C root -c .` into the Engine API's image import (`docker import -`) and returns the new image's id.
 * The image is left untagged: if tar fails part-way the daemon may still have stored what arrived, and that must
 * never carry a name, so the id is removed again and the caller tags only a complete import.
 */
export async function importRootfs(
  docker: Docker,
  root: string,
  labels: Record<string, string>,
  options: { bus: EventBus; signal?: AbortSignal },
): Promise<string> {
  // Numeric owners: the names in the root's /etc/passwd, not this host's, are the ones that count.
  // /dev, /proc and /sys are filled by the container runtime; debootstrap's device nodes are not wanted there.
  const tar = spawn(
    'tar',
    [
      '-C',
      root,
      '--numeric-owner',
      '--exclude=./dev/*',
      '--exclude=./proc/*',
      '--exclude=./sys/*',
      '-c',
      '.',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tarErr = '';
  tar.stderr.on('data', (chunk: Buffer) => {
    tarErr += chunk.toString();
  });
  const tarExit = new Promise<number | null>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', resolve);
  });
  const changes = Object.entries(labels).map(
    ([key, value]) => `LABEL ${JSON.stringify(key)}=${JSON.stringify(value)}`,
  );
  let imageId: string | undefined;
  try {
    const response = await docker.importImage(tar.stdout, {
      changes,
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
    const messages = await readDockerStream(response);
    // The last status line of an import is the new image id (Engine API, POST /images/create with fromSrc).
    imageId = messages
      .map((m) => m.status?.trim() ?? '')
      .reverse()
      .find((s) => /^sha256:[0-9a-f]{64}$/.test(s));
  } catch (error) {
    tar.kill();
    throw error;
  }
  const exitStatus = await tarExit;
  if (exitStatus !== 0) {
    if (imageId) await removeImageQuietly(docker, imageId, options.bus);
    throw new CommandError(`tar -C ${root} -c .`, { exitStatus, stdout: '', stderr: tarErr });
  }
  if (!imageId) throw new OpsError('docker import finished without reporting an image id');
  return imageId;
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
