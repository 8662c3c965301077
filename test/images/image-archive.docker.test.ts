import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { OpsError } from '../../src/core/errors.js';
import { runChecked } from '../../src/core/process-runner.js';
import { dockerImageArchive, type ImageArchive } from '../../src/images/image-archive.js';
import { type DockerTestKit, dockerTestKit } from '../support/docker-test-kit.js';

/** Images as files on the real daemon: what bundles and setup hold instead of the Docker client. */
describe('the image archive: save, load, tags, size', { timeout: 120_000 }, () => {
  let kit: DockerTestKit;
  let archive: ImageArchive;
  const tag = `ops-test/archive:${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    kit = await dockerTestKit();
    archive = dockerImageArchive(kit.docker);
    writeFileSync(join(kit.dir, 'hello.txt'), 'hello\n');
    await createTar({ file: join(kit.dir, 'root.tar'), cwd: kit.dir }, ['hello.txt']);
    await runChecked('docker', ['import', join(kit.dir, 'root.tar'), tag]);
  });
  afterAll(async () => {
    await kit.docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
    await kit.cleanup();
  });

  it('saves an image to a file, and loads it back after the daemon lost it', async () => {
    assert.ok(((await archive.sizeBytes(tag)) ?? 0) > 0);
    assert.ok((await archive.tags()).has(tag));
    const file = join(kit.dir, 'image.tar');
    await archive.save(tag, file);
    assert.ok(statSync(file).size > 0);
    await kit.docker.getImage(tag).remove({ force: true });
    assert.equal(await archive.sizeBytes(tag), undefined);
    assert.equal((await archive.tags()).has(tag), false);
    await archive.load(file);
    assert.ok((await archive.tags()).has(tag));
  });

  it('says what is wrong with an archive that is missing or truncated', async () => {
    await assert.rejects(archive.load(join(kit.dir, 'none.tar')), (error: unknown) => {
      assert.ok(error instanceof OpsError);
      assert.equal(error.exitCode, 2);
      return true;
    });
    const file = join(kit.dir, 'cut.tar');
    await archive.save(tag, file);
    truncateSync(file, Math.floor(statSync(file).size / 3));
    await assert.rejects(archive.load(file), (error: unknown) => {
      assert.ok(error instanceof OpsError, String(error));
      assert.match(error.hint ?? '', /docker save/);
      return true;
    });
  });
});
