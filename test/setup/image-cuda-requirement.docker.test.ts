import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { checkImageCuda } from '../../src/cuda-compat/check-image-cuda.js';
import { readImageRequirement } from '../../src/cuda-compat/read-image-requirement.js';
import {
  type DockerTestKit,
  dockerTestKit,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';

/**
 * NVIDIA_REQUIRE_CUDA read from a real image config through the Docker API: an image built here FROM the engine
 * image with the variable NVIDIA's CUDA 12.8 images carry (its own tag, removed afterwards), and the engine image
 * itself, which declares none.
 */
describe("an engine image's CUDA requirement, read through Docker", { timeout: 180_000 }, () => {
  let kit: DockerTestKit;
  const deployment = testDeploymentName();
  const tag = `ops/test-cuda-require:${deployment}`;
  const REQUIRE = 'cuda>=12.8 brand=tesla,driver>=535,driver<536 brand=nvidia,driver>=535,driver<536';

  beforeAll(async () => {
    kit = await dockerTestKit();
    writeFileSync(
      join(kit.dir, 'Dockerfile'),
      `FROM ${TEST_ENGINE_IMAGE}\nLABEL ops.managed=true ops.deployment=${deployment}\nENV NVIDIA_REQUIRE_CUDA="${REQUIRE}"\n`,
    );
    const stream = await kit.docker.buildImage({ context: kit.dir, src: ['Dockerfile'] }, { t: tag });
    await new Promise<void>((resolve, reject) =>
      kit.docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())),
    );
  });
  afterAll(async () => {
    await kit.docker
      .getImage(tag)
      .remove()
      .catch(() => undefined);
    await kit.cleanup(deployment);
  });

  it('reads the variable and applies the toolkit rule to it (forward compatibility on a datacenter card only)', async () => {
    const req = await readImageRequirement(kit.runtime, tag);
    assert.deepEqual(req, { image: tag, requireCuda: REQUIRE, source: 'image' });
    const driver = { version: '535.161.08', cuda: '12.2', origin: 'installed' };
    const a100 = {
      index: 0,
      name: 'NVIDIA A100-SXM4-80GB',
      brand: 'NVIDIA',
      computeCapability: '8.0',
      gpuClass: 'datacenter' as const,
    };
    assert.equal(checkImageCuda(req, driver, [a100]).status, 'forward-compat');
    const rtx = {
      index: 0,
      name: 'NVIDIA GeForce RTX 4090',
      brand: 'GeForce',
      computeCapability: '8.9',
      gpuClass: 'consumer' as const,
    };
    assert.equal(checkImageCuda(req, driver, [rtx]).status, 'fail');
  });

  it('an image without the variable declares nothing; a missing image falls back to the table', async () => {
    assert.deepEqual(await readImageRequirement(kit.runtime, TEST_ENGINE_IMAGE), {
      image: TEST_ENGINE_IMAGE,
      requireCuda: null,
      source: 'image',
    });
    const missing = await readImageRequirement(kit.runtime, 'vllm/vllm-openai:v0.11.0-not-here');
    assert.equal(missing.source, 'unknown');
  });
});
