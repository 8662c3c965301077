import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { stringify } from 'yaml';
import { privateApt } from '../../src/bundle/apt-repository.js';
import { workDirFor } from '../../src/bundle/unpack-bundle.js';
import { ensureStateDir, resolveStateDir } from '../../src/core/state-dir.js';
import { buildEngineImage } from '../../src/images/build-engine-image.js';
import { createRecipe, debianArch } from '../../src/images/image-recipe.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { decideSteps } from '../../src/setup/decide-steps.js';
import { parseDistroFlag } from '../../src/setup/distro.js';
import { bareHostFacts } from '../../src/setup/host-facts.js';
import { pullModel } from '../../src/store/pull-model.js';
import { blobPath, storeLayout } from '../../src/store/store-layout.js';
import { SealedNamespace } from '../egress/sealed-namespace.js';
import { dockerExecShell } from '../setup/docker-exec-shell.js';
import { describeUnless } from '../support/describe-unless.js';
import {
  type DockerTestKit,
  dockerTestKit,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { runCli } from '../support/run-cli.js';
import { writeToolkitStandInDebs } from './stand-in-debs.js';

const OPS = resolve('bin/ops.js');
// Inside the sealed namespace nothing else listens: the engine on the port llama.cpp listens on in its container
// (nothing is published in a joined namespace: src/runtime/container-network.ts), the gateway on its own.
const ENGINE_PORT = 8080;
const GATEWAY_PORT = 4000;

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const cannot =
  process.getuid?.() !== 0
    ? 'needs root (ip netns, nft, apt)'
    : !has('ip') || !has('nft') || !has('dpkg-deb') || !has('dpkg-scanpackages')
      ? 'needs iproute2, nftables and dpkg-dev (scripts/ensure-test-tools.sh)'
      : false;

/**
 * The air-gapped install, end to end through the CLI. `ops bundle create` on this (connected) machine: the engine and
 * gateway images, the smoke model, the catalog and, through --packages-dir, stand-ins for NVIDIA's Container Toolkit
 * packages (test/bundle/stand-in-debs.ts; Docker's own .debs are left out to keep the test short: their download is
 * the README's measured case). Then `ops setup --bundle` runs inside a network namespace with no route out
 * (test/egress/sealed-namespace.ts: loopback only, nftables recording every packet that tries to leave), talking to
 * the project's Docker daemon over its unix socket, with the stack's containers in that namespace too
 * (OPS_CONTAINER_NETWORK): it verifies the bundle, provisions, loads the images, imports the model, brings the Plan
 * up, smoke-tests and benchmarks through the gateway; a real request is answered; a re-run resumes; and nothing
 * tried to leave. The bundle's package repository then installs the toolkit stand-ins, with the commands setup's
 * container-toolkit step gives, into a fresh debootstrapped Debian 12 container with no network.
 */
describeUnless(cannot, 'ops setup --bundle in a namespace with no route out', { timeout: 600_000 }, () => {
  let kit: DockerTestKit;
  let ns: SealedNamespace;
  let box: string;
  let target: string;
  const deployment = testDeploymentName();
  const holder = testDeploymentName();
  const env = () => ({
    PATH: process.env.PATH,
    HOME: target,
    OPS_HOME: target,
    OPS_CONTAINER_NETWORK: `container:${ns.holderId}`,
  });
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    kit = await dockerTestKit();
    const source = ensureStateDir(resolveStateDir({ OPS_HOME: join(kit.dir, 'source') }));
    const model = join(kit.dir, 'smoke.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 7 });
    const pulled = await pullModel(storeLayout(source), { reference: model, id: 'ops/smoke' });
    const planFile = join(kit.dir, 'plan.yaml');
    writeFileSync(
      planFile,
      stringify({
        version: 1,
        deployment,
        engines: [
          {
            engine: 'llama.cpp',
            name: 'coder',
            image: TEST_ENGINE_IMAGE,
            model: blobPath(storeLayout(source), pulled.entries[0]!.sha256),
            contextLength: 2048,
            port: ENGINE_PORT,
            healthTimeoutS: 120,
          },
        ],
        gateway: { port: GATEWAY_PORT, aliases: { quality: 'coder', fast: 'coder' } },
      }),
    );
    const debs = join(kit.dir, 'nvidia-debs');
    await writeToolkitStandInDebs(debs);
    box = join(kit.dir, 'out', 'box.ops-bundle');
    const started = Date.now();
    const made = await runCli(
      [
        'bundle',
        'create',
        '--plan',
        planFile,
        '--distro',
        'debian-12',
        '--out',
        box,
        '--no-packages',
        '--no-ops',
        '--packages-dir',
        debs,
        '--json',
      ],
      { OPS_HOME: source.root },
      300_000,
    );
    timings.createMs = Date.now() - started;
    assert.equal(made.code, 0, made.stderr);
    target = join(kit.dir, 'target');
    mkdirSync(target);
    ns = await SealedNamespace.create(kit.docker, holder, TEST_ENGINE_IMAGE);
  });
  afterAll(async () => {
    if (ns) await runCli(['down', '--deployment', deployment], { ...env() }).catch(() => undefined);
    await ns?.close();
    await kit?.cleanup(deployment, holder);
  });

  const setup = () =>
    ns.run([process.execPath, OPS, 'setup', '--bundle', box, '--yes'], { env: env(), timeoutMs: 420_000 });

  it('installs and brings the Plan up with nothing trying to leave, and a re-run resumes', async () => {
    await ns.clear();
    let started = Date.now();
    const first = await setup();
    timings.installMs = Date.now() - started;
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, /Plan from .*box\.ops-bundle .*for debian-12/);
    assert.match(first.stdout, /deployment .* is healthy/);
    assert.match(first.stdout, /smoke test: claude-sonnet-4-5 → \S+: \d+ tokens in \d+ ms/);
    assert.match(first.stderr, /host: container-toolkit \(not-applicable\)/);
    assert.match(first.stderr, new RegExp(`load ${TEST_ENGINE_IMAGE.replace(/[.:/]/g, '\\$&')}`));

    // A real request through the gateway, from inside the namespace (the stack is on its loopback only).
    const reply = await ns.run([
      process.execPath,
      '-e',
      `fetch('http://127.0.0.1:${GATEWAY_PORT}/v1/chat/completions',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({model:'quality',max_tokens:4,messages:[{role:'user',content:'hi'}]})}).then(async r=>process.stdout.write(r.status+' '+await r.text()))`,
    ]);
    assert.match(reply.stdout, /^200 .*"choices":\[/, reply.stdout + reply.stderr);

    started = Date.now();
    const again = await setup();
    timings.rerunMs = Date.now() - started;
    assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
    assert.match(again.stdout, /resumed: provision, images, models, plan, up/);
    assert.match(again.stderr, /- load ops\/gateway:\S+: loaded from this bundle in an earlier run/);
    assert.match(again.stdout, /benchmark \(earlier run\)/);

    // The recorder saw nothing leave: no hub, no apt source, no DNS, from ops or the stack, in either run.
    assert.deepEqual(await ns.attempts(), { attempts: [], packets: 0 });
    process.stderr.write(
      `# bundle ${statSync(box).size} bytes; create ${timings.createMs} ms, setup --bundle ${timings.installMs} ms, re-run ${timings.rerunMs} ms\n`,
    );
  });

  it('a bundle that is not there is a clear error, before anything is changed', async () => {
    const r = await runCli(['setup', '--bundle', join(kit.dir, 'nope.ops-bundle'), '--yes'], {
      OPS_HOME: join(kit.dir, 'nope-home'),
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: no bundle at .*nope\.ops-bundle/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("installs NVIDIA's packages from the bundle's repository into a fresh Debian 12 with no network", async () => {
    // The bundle as setup unpacked and verified it, and the apt state it made for it.
    const unpacked = workDirFor(target, box);
    const repo = join(unpacked, 'parts', 'apt');
    assert.ok(readdirSync(repo).includes('Packages'));
    const apt = privateApt(join(kit.dir, 'debian-apt'), `deb [trusted=yes] file:${repo} ./\n`, {
      emptyStatus: false,
    });
    // The commands setup's container-toolkit step gives for a GPU box provisioned from this bundle.
    const facts = { ...bareHostFacts(parseDistroFlag('debian-12')), pciGpus: 1 };
    const toolkit = decideSteps(facts, {
      driver: { requested: 'auto', flavour: 'open', reason: '', replace: false },
      upgradeToolkit: false,
      hostCuda: false,
      gatewayHost: '127.0.0.1',
      gatewayPort: 8080,
      bundleApt: { repo, options: apt.options },
    }).find((d) => d.step.id === 'container-toolkit')!;
    assert.equal(toolkit.status, 'pending');

    // A fresh Debian 12 root from debootstrap (cached by label, as provision-containers.docker.test.ts builds it).
    const image = await buildEngineImage({
      docker: kit.docker,
      recipe: createRecipe({
        recipe: 'test-debian',
        tag: 'ops/test-debian:12',
        suite: 'bookworm',
        arch: debianArch(),
        packages: ['ca-certificates'],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build argument, not a JS template
        dockerfile: 'ARG ROOTFS\nFROM ${ROOTFS}\nCMD ["sleep", "infinity"]\n',
      }),
    });
    const container = await kit.docker.createContainer({
      name: `${deployment}-debian12`,
      Image: image.tag,
      Labels: { 'ops.managed': 'true', 'ops.deployment': deployment, 'ops.role': 'job' },
      HostConfig: {
        NetworkMode: 'none',
        Binds: [`${repo}:${repo}:ro`, `${apt.dir}:${apt.dir}`],
      },
    });
    await container.start();
    const shell = dockerExecShell(kit.docker, container.id, 'fresh Debian 12');
    const before = await shell.run('command -v nvidia-ctk || echo absent');
    assert.match(before.stdout, /absent/);
    for (const command of [...toolkit.commands, ...toolkit.verify]) {
      const r = await shell.run(command);
      assert.equal(r.exitCode, 0, `${command}\n${r.stdout}\n${r.stderr}`);
    }
    const version = await shell.run('nvidia-ctk --version');
    assert.match(version.stdout, /NVIDIA Container Toolkit CLI version 1\.17\.8 \(stand-in\)/);
    const installed = await shell.run(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's output format, not a JS template
      "dpkg-query -W -f '${Package}\\n' 'nvidia-container*' 'libnvidia-container*'",
    );
    assert.deepEqual(installed.stdout.trim().split('\n').sort(), [
      'libnvidia-container-tools',
      'libnvidia-container1',
      'nvidia-container-toolkit',
      'nvidia-container-toolkit-base',
    ]);
  });
});
