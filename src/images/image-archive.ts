import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { OpsError } from '../core/errors.js';

/**
 * Images as files: what `docker save` writes and `docker load` reads (Engine API: GET /images/{name}/get, POST
 * /images/load). The one place bundles, setup's offline image directory and `ops setup --bundle` move images in and
 * out of the daemon; they hold an `ImageArchive`, never the Docker client.
 */
export interface ImageArchive {
  /** Writes `docker save REF` to a file; a failed save leaves no half archive. */
  save(ref: string, file: string): Promise<void>;
  /** Loads one `docker save` tar (plain or gzipped), and waits until the daemon says it is done. */
  load(file: string): Promise<void>;
  /** The names of the images the daemon has (repo:tag). */
  tags(): Promise<Set<string>>;
  /** An image's size in bytes; undefined when the daemon does not have it. */
  sizeBytes(ref: string): Promise<number | undefined>;
}

/** The daemon's images as an `ImageArchive`. */
export function dockerImageArchive(docker: Docker): ImageArchive {
  return {
    save: (ref, file) => saveImage(docker, ref, file),
    load: (file) => loadImage(docker, file),
    tags: () => imageTags(docker),
    sizeBytes: async (ref) =>
      (
        await docker
          .getImage(ref)
          .inspect()
          .catch(() => undefined)
      )?.Size,
  };
}

async function saveImage(docker: Docker, ref: string, file: string): Promise<void> {
  const stream = await docker.getImage(ref).get();
  try {
    await pipeline(stream, createWriteStream(file));
  } catch (error) {
    // A half-written archive must not pass for a whole one.
    rmSync(file, { force: true });
    throw error;
  }
}

async function loadImage(docker: Docker, file: string): Promise<void> {
  if (!existsSync(file)) throw new OpsError(`no image archive at ${file}`, { exitCode: 2 });
  const stream = await docker.loadImage(createReadStream(file), { quiet: true });
  await new Promise<void>((done, fail) =>
    docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
      const failed = error ?? output.find((o) => o.error);
      if (failed)
        fail(
          new OpsError(
            `docker load of ${file} failed: ${'error' in failed ? failed.error : String(failed)}`,
            {
              hint: 'the file may be truncated or not a docker save archive; make it again with docker save',
            },
          ),
        );
      else done();
    }),
  );
}

async function imageTags(docker: Docker): Promise<Set<string>> {
  const images = await docker.listImages();
  return new Set(images.flatMap((i) => i.RepoTags ?? []));
}
