/**
 * The air-gapped install, measured: how big a bundle is and how long it takes to make and to install.
 *   node --import tsx bench/bundle/create-install.ts        (as root: ip netns, nftables, apt in a container)
 * 1. `ops bundle create` on this connected machine for a CPU Plan (llama.cpp with the smoke model, the gateway) and
 *    a Debian 12 target, with everything: both images, the model, the catalog, Docker's .debs for Debian 12 with
 *    every dependency (fetched from this machine's mirror) and ops itself (npm pack, its run-time packages, node).
 * 2. `ops setup --bundle` in a network namespace with no route out (test/egress/sealed-namespace.ts: loopback only,
 *    nftables recording every packet that tries to leave), the stack's containers in that namespace
 *    (OPS_CONTAINER_NETWORK): verify, provision, load the images, import the model, up, smoke test, benchmark.
 *    Then the same command again (the resume). Docker is already on this host, so provisioning installs nothing here:
 * 3. the bundle's Docker packages installed, with the commands setup's docker-engine step gives for a bundle, into a
 *    fresh debootstrapped Debian 12 container with no network (what provisioning does on a bare target).
 * Prints each figure and the packets that tried to leave; removes everything it made.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { privateApt } from '../../src/bundle/apt-repository.js';
import { workDirFor } from '../../src/bundle/unpack-bundle.js';
import { formatBytes } from '../../src/core/console-reporter.js';
import { LABEL } from '../../src/core/labels.js';
import { ensureStateDir, resolveStateDir } from '../../src/core/state-dir.js';
import { buildEngineImage } from '../../src/images/build-engine-image.js';
import { createRecipe, debianArch } from '../../src/images/image-recipe.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { connectDocker } from '../../src/runtime/docker-connection.js';
import { decideSteps } from '../../src/setup/decide-steps.js';
import { parseDistroFlag } from '../../src/setup/distro.js';
import { bareHostFacts } from '../../src/setup/host-facts.js';
import { pullModel } from '../../src/store/pull-model.js';
import { blobPath, storeLayout } from '../../src/store/store-layout.js';
import { SealedNamespace } from '../../test/egress/sealed-namespace.js';
import { dockerExecShell } from '../../test/setup/docker-exec-shell.js';

const OPS = resolve('bin/ops.js');
const owner = `t-bench-bundle-${process.pid}`;
const deployment = `${owner}-box`;
const dir = mkdtempSync(join(tmpdir(), 'ops-bench-bundle-'));
const docker = await connectDocker();
const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

function ops(args: string[], env: NodeJS.ProcessEnv): number {
  const started = Date.now();
  execFileSync(process.execPath, [OPS, ...args], { env: { ...process.env, ...env }, stdio: 'inherit' });
  return Date.now() - started;
}

let ns: SealedNamespace | undefined;
try {
  const source = ensureStateDir(resolveStateDir({ OPS_HOME: join(dir, 'source') }));
  const model = join(dir, 'smoke.gguf');
  await writeSmokeModel({ out: model, size: 'tiny', seed: 11 });
  const pulled = await pullModel(storeLayout(source), { reference: model, id: 'ops/smoke' });
  const planFile = join(dir, 'plan.yaml');
  writeFileSync(
    planFile,
    stringify({
      version: 1,
      deployment,
      engines: [
        {
          engine: 'llama.cpp',
          name: 'coder',
          model: blobPath(storeLayout(source), pulled.entries[0]!.sha256),
          contextLength: 2048,
          port: 8080,
          healthTimeoutS: 120,
        },
      ],
      gateway: { port: 4000, aliases: { quality: 'coder', fast: 'coder' } },
    }),
  );
  const box = join(dir, 'box.ops-bundle');
  const createMs = ops(['bundle', 'create', '--plan', planFile, '--distro', 'debian-12', '--out', box], {
    OPS_HOME: source.root,
  });
  const bytes = statSync(box).size;

  const target = join(dir, 'target');
  mkdirSync(target);
  ns = await SealedNamespace.create(docker, owner, 'ops/llama.cpp:cpu');
  const inNs = (args: string[]) => {
    const started = Date.now();
    execFileSync('ip', ['netns', 'exec', ns!.name, process.execPath, OPS, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: target,
        OPS_HOME: target,
        OPS_CONTAINER_NETWORK: `container:${ns!.holderId}`,
      },
      stdio: 'inherit',
    });
    return Date.now() - started;
  };
  const installMs = inNs(['setup', '--bundle', box, '--yes']);
  const rerunMs = inNs(['setup', '--bundle', box, '--yes']);
  const leaks = await ns.attempts();

  // Docker's packages from the bundle into a fresh Debian 12 with no network.
  const repo = join(workDirFor(target, box), 'parts', 'apt');
  const apt = privateApt(join(dir, 'debian-apt'), `deb [trusted=yes] file:${repo} ./\n`, {
    emptyStatus: false,
  });
  const step = decideSteps(bareHostFacts(parseDistroFlag('debian-12')), {
    driver: { requested: 'auto', flavour: 'open', reason: '', replace: false },
    upgradeToolkit: false,
    hostCuda: false,
    gatewayHost: '127.0.0.1',
    gatewayPort: 4000,
    bundleApt: { repo, options: apt.options },
  }).find((d) => d.step.id === 'docker-engine')!;
  const image = await buildEngineImage({
    docker,
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
  const container = await docker.createContainer({
    name: `${owner}-debian12`,
    Image: image.tag,
    Labels: { [LABEL.managed]: 'true', [LABEL.deployment]: owner, [LABEL.role]: 'job' },
    HostConfig: { NetworkMode: 'none', Binds: [`${repo}:${repo}:ro`, `${apt.dir}:${apt.dir}`] },
  });
  await container.start();
  const shell = dockerExecShell(docker, container.id, 'fresh Debian 12');
  const started = Date.now();
  for (const command of [...step.commands, ...step.verify]) {
    const r = await shell.run(command);
    if (r.exitCode !== 0) throw new Error(`${command}\n${r.stdout}\n${r.stderr}`);
  }
  const debsMs = Date.now() - started;
  const dockerVersion = (await shell.run('dockerd --version')).stdout.trim();

  console.log(`
bundle for a CPU Plan (llama.cpp + smoke model, gateway) on debian-12, with Docker's .debs and ops itself:
  size                                   ${formatBytes(bytes)} (${bytes} bytes)
  ops bundle create                      ${seconds(createMs)}
  ops setup --bundle (no route out)      ${seconds(installMs)}  (verify, provision, load images, import model, up, smoke, bench)
  ops setup --bundle again (resume)      ${seconds(rerunMs)}
  Docker's .debs into a fresh Debian 12  ${seconds(debsMs)}  (${dockerVersion}, --network none)
  packets that tried to leave            ${leaks.packets} ${JSON.stringify(leaks.attempts)}`);
} finally {
  if (ns)
    try {
      execFileSync(process.execPath, [OPS, 'down', '--deployment', deployment], {
        env: { ...process.env, OPS_HOME: join(dir, 'target') },
        stdio: 'ignore',
      });
    } catch {
      // Removed by label below either way.
    }
  await ns?.close();
  for (const label of [deployment, owner]) {
    const found = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.deployment}=${label}`] },
    });
    for (const c of found) await docker.getContainer(c.Id).remove({ force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}
