import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { EventBus, type OpsEvent } from '../../src/core/events.js';
import { buildEngineImage, loadLlamaCppRecipe } from '../../src/images/build-engine-image.js';
import { createRecipe, IMAGE_LABEL, type ImageRecipe } from '../../src/images/image-recipe.js';
import { listManagedImages } from '../../src/images/managed-images.js';
import { connectDocker } from '../../src/runtime/docker-connection.js';

// Builds the real ops/llama.cpp:cpu image (debootstrap, ~1 min, needs root) unless it is already current, which is
// also what other tests and `make demo` rely on, so it is kept afterwards. Everything else this test makes carries
// the label below and is removed by it.
const TEST_LABEL = 'ops.test';
const TEST_VALUE = 'build-engine-image';

const recordEvents = () => {
  const events: OpsEvent[] = [];
  const bus = new EventBus();
  bus.on((event) => events.push(event));
  return { bus, events };
};

/** Runs a one-shot container from `image` and returns its exit code and output; the container is always removed. */
async function runOnce(docker: Docker, image: string, entrypoint: string[], cmd: string[]) {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: entrypoint,
    Cmd: cmd,
    Labels: { [IMAGE_LABEL.managed]: 'true', [TEST_LABEL]: TEST_VALUE },
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    const { StatusCode } = await container.wait();
    const logs = await container.logs({ stdout: true, stderr: true });
    // Non-TTY logs are multiplexed: 8-byte frame headers before each chunk (Engine API, "Attach to a container").
    let output = '';
    for (let offset = 0; offset + 8 <= logs.length; ) {
      const size = logs.readUInt32BE(offset + 4);
      output += logs.subarray(offset + 8, offset + 8 + size).toString();
      offset += 8 + size;
    }
    return { exitCode: StatusCode as number, output };
  } finally {
    await container.remove({ force: true });
  }
}

describe('buildEngineImage (real Docker daemon)', { timeout: 600_000 }, () => {
  let docker: Docker;
  let recipe: ImageRecipe;

  beforeAll(async () => {
    docker = await connectDocker();
    recipe = loadLlamaCppRecipe();
  });

  afterAll(async () => {
    const containers = await docker.listContainers({
      all: true,
      filters: { label: [`${TEST_LABEL}=${TEST_VALUE}`] },
    });
    for (const c of containers) await docker.getContainer(c.Id).remove({ force: true });
    const images = await docker.listImages({ filters: { label: [`${TEST_LABEL}=${TEST_VALUE}`] } });
    for (const image of images) await docker.getImage(image.Id).remove({ force: true });
  });

  it('builds (or finds) ops/llama.cpp:cpu and its llama-server runs', async () => {
    const { bus, events } = recordEvents();
    const result = await buildEngineImage({ docker, recipe, bus });
    const seconds = (result.durationMs / 1000).toFixed(1);
    process.stderr.write(`# ${recipe.tag}: ${result.cached ? 'cached' : 'built'} in ${seconds} s\n`);
    if (!result.cached) assert.ok(events.some((e) => e.kind === 'step:done' && e.step === 'layer'));

    const inspected = await docker.getImage(recipe.tag).inspect();
    assert.equal(inspected.Config.Labels?.[IMAGE_LABEL.inputsHash], recipe.inputsHash);
    assert.equal(inspected.Config.Labels?.[IMAGE_LABEL.managed], 'true');

    const version = await runOnce(docker, recipe.tag, ['llama-server'], ['--version']);
    assert.equal(version.exitCode, 0, version.output);
    assert.match(version.output, /version: \d+/);

    const tools = await runOnce(
      docker,
      recipe.tag,
      ['sh', '-c'],
      ['id -u; for tool in llama-quantize llama-bench curl; do command -v $tool; done'],
    );
    assert.equal(tools.exitCode, 0, tools.output);
    const [uid, ...paths] = tools.output.trim().split('\n');
    assert.notEqual(uid, '0', 'llama-server runs as an ordinary user');
    assert.deepEqual(paths, ['/usr/bin/llama-quantize', '/usr/bin/llama-bench', '/usr/bin/curl']);
  });

  it('a second build is cached and does no work', async () => {
    const { bus, events } = recordEvents();
    const result = await buildEngineImage({ docker, recipe, bus });
    assert.equal(result.cached, true);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['image:build'],
    );
    assert.equal(events[0]?.kind === 'image:build' && events[0].phase, 'cached');
    assert.ok(result.durationMs < 5000, `cached check took ${result.durationMs} ms`);
  });

  it('a Dockerfile-only change rebuilds just the layer on the existing root image', async () => {
    const variant: ImageRecipe = {
      ...createRecipe({
        recipe: recipe.recipe,
        tag: 'ops-test/llama.cpp:variant',
        suite: recipe.suite,
        arch: recipe.arch,
        packages: recipe.packages,
        dockerfile: `${recipe.dockerfile}\nLABEL ${TEST_LABEL}=${TEST_VALUE}\n`,
      }),
      rootfsTag: recipe.rootfsTag,
    };
    const { bus, events } = recordEvents();
    const result = await buildEngineImage({ docker, recipe: variant, bus });
    assert.equal(result.cached, false);
    assert.equal(result.rootfsReused, true);
    assert.ok(!events.some((e) => e.kind === 'step:start' && e.step === 'bootstrap'));

    const listed = await listManagedImages(docker);
    const entry = listed.find((image) => image.tags.includes(variant.tag));
    assert.equal(entry?.inputsHash, variant.inputsHash);
    const version = await runOnce(docker, variant.tag, ['llama-server'], ['--version']);
    assert.equal(version.exitCode, 0, version.output);
  });
});
