import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { OpsError } from '../core/errors.js';

/**
 * Images as files: what `docker save` writes and `docker load` reads (Engine API: GET /images/{name}/get, POST
 * /images/load). The one place bundles, setup's offline image directory and `ops setup --bundle` move images in and
 * out of the daemon.
 */

/** Writes `docker save REF` to a file. */
export async function saveImage(docker: Docker, ref: string, file: string): Promise<void> {
  const stream = await docker.getImage(ref).get();
  try {
    await pipeline(stream, createWriteStream(file));
  } catch (error) {
    // A half-written archive must not pass for a whole one.
    rmSync(file, { force: true });
    throw error;
  }
}

/** Loads one `docker save` tar (plain or gzipped) through the daemon, and waits until the daemon says it is done. */
export async function loadImage(docker: Docker, file: string): Promise<void> {
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

/** The names of the images the daemon has (repo:tag). */
export async function imageTags(docker: Docker): Promise<Set<string>> {
  const images = await docker.listImages();
  return new Set(images.flatMap((i) => i.RepoTags ?? []));
}
