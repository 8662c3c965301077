import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, test } from 'vitest';
import { llamaWeightsBytes } from '../../src/catalog/llama-tensor-sizes.js';
import { baseLabels } from '../../src/core/labels.js';
import { readGgufFile } from '../../src/models/gguf/gguf-reader.js';
import { SMOKE_PRESETS, writeSmokeModel } from '../../src/models/smoke-model.js';
import { probeHealth } from '../../src/runtime/wait-for-health.js';
import { pullModel } from '../../src/store/pull-model.js';
import { quantizeModel } from '../../src/store/quantize-job.js';
import { storeLayout } from '../../src/store/store-layout.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';

let kit: DockerTestKit;
const deployment = testDeploymentName();

beforeAll(async () => {
  kit = await dockerTestKit();
});
afterAll(async () => {
  await kit.cleanup(deployment);
});

test('the smoke model quantizes to Q8_0 and Q4_K_M in the engine image; the results load in llama-server at the predicted size', async () => {
  const home = join(kit.dir, 'home');
  mkdirSync(home, { recursive: true });
  const layout = storeLayout({
    modelsDir: join(home, 'models'),
    planFile: join(home, 'plan.yaml'),
    previousPlanFile: join(home, 'p.yaml'),
  });
  const smoke = await writeSmokeModel({ out: join(kit.dir, 'smoke-f32.gguf'), size: 'tiny', seed: 1 });
  await pullModel(layout, { reference: smoke.path, id: 'ops/smoke' });
  const source = await readGgufFile(smoke.path);
  const s = SMOKE_PRESETS.tiny;
  const vocab = source.tensors.find((t) => t.name === 'token_embd.weight')!.dims[1]!;
  const shape = {
    vocabSize: Number(vocab),
    hiddenSize: s.embeddingLength,
    layers: s.blockCount,
    heads: s.headCount,
    kvHeads: s.headCountKv,
    headDim: s.embeddingLength / s.headCount,
    ffnSize: s.feedForwardLength,
  };

  for (const type of ['Q8_0', 'Q4_K_M'] as const) {
    const result = await quantizeModel(layout, {
      selector: 'ops/smoke',
      to: type,
      image: TEST_ENGINE_IMAGE,
      runtime: kit.runtime,
      deployment,
    });
    const gguf = await readGgufFile(result.path);
    assert.equal(gguf.fileType?.name, type);
    assert.equal(result.entry.variant, type);
    assert.equal(result.entry.source.kind, 'quantize');
    // The catalog's exact per-tensor prediction (src/catalog/llama-tensor-sizes.ts) for this shape and file type.
    const predicted = llamaWeightsBytes(shape, type);
    const ratio = gguf.tensorBytes / predicted;
    assert.ok(
      Math.abs(ratio - 1) < 0.05,
      `${type}: tensors ${gguf.tensorBytes} B vs predicted ${predicted} B`,
    );
    console.log(
      `${type}: file ${gguf.fileBytes} B, tensors ${gguf.tensorBytes} B, predicted ${predicted} B (ratio ${ratio.toFixed(4)})`,
    );
    await assertLoadsInLlamaServer(kit.docker, result.path, type);
    const again = await quantizeModel(layout, {
      selector: 'ops/smoke',
      to: type,
      image: TEST_ENGINE_IMAGE,
      runtime: kit.runtime,
      deployment,
    });
    assert.equal(again.reused, true);
  }
});

async function assertLoadsInLlamaServer(docker: Docker, blob: string, type: string): Promise<void> {
  const port = await freePort();
  const container = await docker.createContainer({
    Image: TEST_ENGINE_IMAGE,
    Cmd: ['-m', `/models/${blob.split('/').pop()}`, '--host', '0.0.0.0', '--port', '8080', '-c', '512'],
    Labels: baseLabels(deployment, 'engine', `load-${type.toLowerCase()}`),
    HostConfig: {
      Binds: [`${blob.slice(0, blob.lastIndexOf('/'))}:/models:ro`],
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
    },
    ExposedPorts: { '8080/tcp': {} },
  });
  try {
    await container.start();
    const deadline = Date.now() + 60_000;
    let healthy = false;
    while (Date.now() < deadline) {
      // probeHealth (node:http, ref'd timer), not fetch: while Docker's port proxy holds a connection to a
      // llama-server that is not listening yet, undici's socket holds no ref and the runner saw the event loop
      // empty mid-await ("cancelled", 'Promise resolution is still pending but the event loop has already resolved').
      healthy = await probeHealth(`http://127.0.0.1:${port}/health`);
      if (healthy) break;
      const state = await container.inspect();
      if (!state.State.Running) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(healthy, `llama-server did not load the ${type} file`);
  } finally {
    await container.remove({ force: true });
  }
}
