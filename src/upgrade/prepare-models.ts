import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { CommandError, OpsError } from '../core/errors.js';
import { baseLabels } from '../engines/labels.js';
import { hostUser } from '../runtime/model-identity.js';
import { QUANTIZE_DEPLOYMENT, QUANTIZE_IMAGE } from '../store/quantize-job.js';

/**
 * Quantizes a GGUF file into another with llama-quantize in the engine image (the way the model store does),
 * writing next to the destination and renaming into place, so a half-written file is never at `dest`.
 */
export async function quantizeFile(
  docker: Docker,
  source: string,
  dest: string,
  fileType: string,
  image = QUANTIZE_IMAGE,
): Promise<void> {
  const outDir = dirname(dest);
  mkdirSync(outDir, { recursive: true });
  const partial = `.${basename(dest)}.partial`;
  const user = hostUser();
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ['llama-quantize'],
    Cmd: [`/in/${basename(source)}`, `/out/${partial}`, fileType],
    Labels: baseLabels(QUANTIZE_DEPLOYMENT, 'job', `quantize-${basename(dest).slice(0, 40)}`),
    ...(user ? { User: user } : {}),
    NetworkDisabled: true,
    HostConfig: { Binds: [`${dirname(source)}:/in:ro`, `${outDir}:/out`] },
  });
  let log = '';
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    container.modem.demuxStream(stream, out, out);
    out.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-16_000);
    });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    (stream as unknown as { destroy?: () => void }).destroy?.();
    if (StatusCode !== 0) {
      rmSync(join(outDir, partial), { force: true });
      throw new CommandError(`llama-quantize ${basename(source)} ${fileType}`, {
        exitStatus: StatusCode,
        stdout: '',
        stderr: log,
      });
    }
    renameSync(join(outDir, partial), dest);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
