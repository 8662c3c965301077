import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { installBundle } from '../../src/bundle/install-bundle.js';
import { EventBus } from '../../src/core/events.js';
import { ensureStateDir, resolveStateDir, type StateDir } from '../../src/core/state-dir.js';
import { dockerImageArchive } from '../../src/images/image-archive.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { pullModel } from '../../src/store/pull-model.js';
import { blobPath, storeLayout } from '../../src/store/store-layout.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';

/**
 * A bundle made here and installed into a fresh state directory, on the real daemon: resume of an interrupted
 * create, refusal of a tampered and of a truncated bundle (the part named, nothing installed), resume of an
 * install, and the Plan up from the bundle's models with the gateway answering. Images, .deb packages and ops
 * itself are left out to keep CI short (hundreds of MB; measured by hand, see the README's bundle section);
 * their parts go through the same make/verify code.
 */
describe('ops bundle: create, refuse damage, resume, install, up', { timeout: 300_000 }, () => {
  let kit: DockerTestKit;
  let source: StateDir;
  let planFile: string;
  let sha: string;
  let out: string;
  const deployment = testDeploymentName();
  const bus = new EventBus();
  const events: string[] = [];
  bus.on((e) =>
    events.push(e.kind === 'step:skip' ? `skip ${e.step}` : e.kind === 'step:done' ? `done ${e.step}` : ''),
  );

  beforeAll(async () => {
    kit = await dockerTestKit();
    source = ensureStateDir(resolveStateDir({ OPS_HOME: join(kit.dir, 'source') }));
    const model = join(kit.dir, 'smoke.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 3 });
    const pulled = await pullModel(storeLayout(source), { reference: model, id: 'ops/smoke' });
    sha = pulled.entries[0]!.sha256;
    planFile = join(kit.dir, 'plan.yaml');
    const doc = {
      version: 1,
      deployment,
      engines: [
        {
          engine: 'llama.cpp',
          name: 'coder',
          image: TEST_ENGINE_IMAGE,
          model: blobPath(storeLayout(source), sha),
          contextLength: 2048,
          port: await freePort(),
          healthTimeoutS: 120,
        },
      ],
      gateway: { port: await freePort(), aliases: { quality: 'coder' } },
    };
    writeFileSync(planFile, stringify(doc));
    out = join(kit.dir, 'out', 'box.ops-bundle');
  });
  afterAll(async () => {
    await kit?.cleanup(deployment);
  });

  const create = () =>
    createBundle({
      planFile,
      distro: 'debian-12',
      out,
      include: { images: false, packages: false, ops: false },
      state: source,
      images: dockerImageArchive(kit.docker),
      bus,
    });

  it('resumes an interrupted create, keeping the parts already made', async () => {
    // The model's blob is damaged (a short read, a failing disk): the parts before it are made, then it stops.
    const blob = blobPath(storeLayout(source), sha);
    const whole = readFileSync(blob);
    truncateSync(blob, whole.length - 1);
    await assert.rejects(create(), /missing or has the wrong size/);
    writeFileSync(blob, whole);
    const r = await create();
    assert.equal(r.resumed, 1);
    assert.ok(events.includes('skip bundle parts/plan.yaml'));
    assert.equal(r.parts, 3); // plan, models, catalog
    assert.ok(r.outBytes! > statSync(blob).size);
  });

  it('refuses a tampered bundle, naming the part, and installs nothing', async () => {
    const bad = join(kit.dir, 'tampered.ops-bundle');
    const bytes = readFileSync(out);
    // Flip one byte inside the model blob's data (well past the tar headers at the start).
    const at = bytes.indexOf(Buffer.from('GGUF')) + 4096;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(bad, bytes);
    const target = ensureStateDir(resolveStateDir({ OPS_HOME: join(kit.dir, 'tampered-home') }));
    await assert.rejects(
      installBundle({
        bundle: bad,
        state: target,
        containers: async () => ({ images: dockerImageArchive(kit.docker), runtime: kit.runtime }),
        bus,
        prefix: join(kit.dir, 'p1'),
        skip: {},
      }),
      (e: Error) => /refused: part parts\/models\.tar \(coder\) has sha256 [0-9a-f]{64}, not/.test(e.message),
    );
    assert.equal((await kit.runtime.list({ 'ops.deployment': deployment })).length, 0);
  });

  it('refuses a truncated bundle, naming the part it cut', async () => {
    const cut = join(kit.dir, 'cut.ops-bundle');
    copyFileSync(out, cut);
    truncateSync(cut, Math.floor(statSync(cut).size * 0.6));
    const target = ensureStateDir(resolveStateDir({ OPS_HOME: join(kit.dir, 'cut-home') }));
    await assert.rejects(
      installBundle({
        bundle: cut,
        state: target,
        containers: async () => ({ images: dockerImageArchive(kit.docker), runtime: kit.runtime }),
        bus,
        prefix: join(kit.dir, 'p2'),
        skip: {},
      }),
      (e: Error) =>
        /refused: part parts\/models\.tar \(coder\) (is missing|has \d+ bytes, not \d+): the bundle is truncated/.test(
          e.message,
        ),
    );
  });

  it('installs into a fresh state directory, resumes after a failed step, and the gateway answers', async () => {
    const target = ensureStateDir(resolveStateDir({ OPS_HOME: join(kit.dir, 'target') }));
    const install = () =>
      installBundle({
        bundle: out,
        state: target,
        containers: async () => ({ images: dockerImageArchive(kit.docker), runtime: kit.runtime }),
        bus,
        prefix: join(kit.dir, 'p3'),
        skip: {},
      });
    // The engine's port is taken when `up` runs: the steps before it are done and kept.
    const plan = readFileSync(planFile, 'utf8');
    const enginePort = Number(/port: (\d+)/.exec(plan)![1]);
    const squatter = createServer().listen(enginePort, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    await assert.rejects(install(), /port/i);
    squatter.close();
    const r = await install();
    assert.deepEqual(r.done, ['up']);
    assert.ok(r.skipped.includes('models') && r.skipped.includes('images'));
    // The Plan runs the model from the target's own store.
    assert.match(
      readFileSync(r.planFile!, 'utf8'),
      new RegExp(join(kit.dir, 'target', 'models', 'blobs', 'sha256', sha)),
    );
    const gatewayPort = Number(/gateway:\n\s+port: (\d+)/.exec(plan)![1]);
    const reply = await fetch(`http://127.0.0.1:${gatewayPort}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'quality', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(reply.status, 200, await reply.clone().text());
    const body = (await reply.json()) as { choices: unknown[] };
    assert.equal(body.choices.length, 1);
  });
});
