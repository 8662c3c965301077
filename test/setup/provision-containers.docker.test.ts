import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CommandError } from '../../src/core/errors.js';
import { EventBus, type OpsEvent } from '../../src/core/events.js';
import { buildEngineImage } from '../../src/images/build-engine-image.js';
import { createRecipe, debianArch } from '../../src/images/image-recipe.js';
import { decideSteps } from '../../src/setup/decide-steps.js';
import { probeHost } from '../../src/setup/probe-host.js';
import { PROVISION_STEPS } from '../../src/setup/provision-steps.js';
import type { ProvisionOptions } from '../../src/setup/provision-types.js';
import { runProvisioning } from '../../src/setup/step-runner.js';
import { type DockerTestKit, dockerTestKit, testDeploymentName } from '../support/docker-test-kit.js';
import { dockerExecShell } from './docker-exec-shell.js';

const options: ProvisionOptions = {
  driver: { flavour: 'open', replace: false },
  hostCuda: false,
  gatewayHost: '127.0.0.1',
  gatewayPort: 8080,
};
const steps = (...ids: string[]) => PROVISION_STEPS.filter((s) => ids.includes(s.id));

/**
 * The provisioning steps executed for real inside throwaway containers: a Debian 12 root made with debootstrap
 * (cached by label like the engine image), and the same root reporting itself as Ubuntu 24.04 in /etc/os-release — a
 * stand-in, since only Debian's archive is reachable here. NVIDIA's repositories are not reachable either: the GPU
 * steps' checks run against the simulated GPU host's nvidia-smi stand-in (test/gpu-sim/bin/nvidia-smi, answering
 * from a recorded report), their apply commands are covered by the dry-run tests.
 */
describe('provisioning steps inside throwaway Debian 12 / Ubuntu-like containers', {
  timeout: 600_000,
}, () => {
  let kit: DockerTestKit;
  const deployment = testDeploymentName();
  const recipe = createRecipe({
    recipe: 'test-debian',
    tag: 'ops/test-debian:12',
    suite: 'bookworm',
    arch: debianArch(),
    packages: ['ca-certificates'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build argument, not a JS template
    dockerfile: 'ARG ROOTFS\nFROM ${ROOTFS}\nCMD ["sleep", "infinity"]\n',
  });

  before(async () => {
    kit = await dockerTestKit();
    await buildEngineImage({ docker: kit.docker, recipe });
  });
  after(async () => kit.cleanup(deployment));

  async function startContainer(name: string) {
    const container = await kit.docker.createContainer({
      Image: recipe.tag,
      name: `ops-${deployment}-${name}`,
      Labels: { 'ops.managed': 'true', 'ops.deployment': deployment, 'ops.role': 'job', 'ops.name': name },
      HostConfig: { AutoRemove: true },
    });
    await container.start();
    return dockerExecShell(kit.docker, container.id, name);
  }

  it('Debian 12: checks find what is missing, apply installs it from the archive, a second run changes nothing', async () => {
    const shell = await startContainer('debian');
    const facts = await probeHost(shell);
    assert.equal(facts.distro.key, 'debian-12');
    const before = Object.fromEntries(decideSteps(facts, options).map((d) => [d.step.id, d.status]));
    assert.equal(before.prerequisites, 'pending');
    assert.equal(before['docker-engine'], 'pending');
    assert.equal(before['nvidia-driver'], 'not-applicable');

    const events: OpsEvent[] = [];
    const bus = new EventBus();
    bus.on((e) => events.push(e));
    const run = () =>
      runProvisioning({
        shell,
        probe: () => probeHost(shell),
        options,
        bus,
        steps: steps('prerequisites', 'docker-engine'),
      });
    const first = await run();
    assert.deepEqual(
      first.steps.map((s) => [s.id, s.status, s.applied]),
      [
        ['prerequisites', 'satisfied', true],
        ['docker-engine', 'satisfied', true],
      ],
    );
    const second = await run();
    assert.deepEqual(
      second.steps.map((s) => [s.id, s.status, s.applied]),
      [
        ['prerequisites', 'satisfied', false],
        ['docker-engine', 'satisfied', false],
      ],
    );
    assert.ok(events.some((e) => e.kind === 'step:done' && e.step === 'provision docker-engine'));
  });

  it('a step that cannot be done fails with the command, its exit code and its output', async () => {
    const shell = await startContainer('debian-fail');
    await shell.run(
      'printf "#!/bin/sh\\necho dockerd: cannot start here >&2\\nexit 1\\n" > /usr/local/bin/dockerd && chmod +x /usr/local/bin/dockerd',
    );
    await assert.rejects(
      runProvisioning({
        shell,
        probe: () => probeHost(shell),
        options,
        bus: new EventBus(),
        steps: [{ ...steps('docker-daemon')[0]!, apply: () => ['dockerd --version || exit 3'] }],
      }),
      (e: unknown) =>
        e instanceof CommandError &&
        e.exitStatus === 3 &&
        /dockerd: cannot start here/.test(e.message) &&
        /step docker-daemon failed on container debian-fail/.test(e.hint ?? ''),
    );
  });

  it('Ubuntu-like stand-in with the nvidia-smi stand-in: the driver answers, so driver and module count as present and nothing is applied', async () => {
    const shell = await startContainer('ubuntu-like');
    // The stand-in answers from the report beside it (two RTX 4090s, driver 535.183.01).
    const standIn = readFileSync(join(import.meta.dirname, '..', 'gpu-sim', 'bin', 'nvidia-smi'), 'utf8');
    const report = readFileSync(
      join(import.meta.dirname, '..', 'fixtures', 'nvidia-smi', 'rtx-4090-x2-535.xml'),
    );
    await shell.run('cat > /usr/local/bin/nvidia-smi && chmod +x /usr/local/bin/nvidia-smi', standIn);
    await shell.run('cat > /usr/local/bin/nvidia-smi.xml', report.toString('utf8'));
    await shell.run(
      `printf 'ID=ubuntu\\nVERSION_ID="24.04"\\nPRETTY_NAME="Ubuntu 24.04 (stand-in: a Debian 12 root)"\\n' > /etc/os-release`,
    );
    const facts = await probeHost(shell);
    assert.equal(facts.distro.key, 'ubuntu-24.04');
    assert.equal(facts.driverVersion, '535.183.01');
    const decisions = Object.fromEntries(decideSteps(facts, options).map((d) => [d.step.id, d]));
    assert.equal(decisions['nvidia-driver']?.status, 'satisfied');
    assert.equal(decisions['container-toolkit']?.status, 'pending');
    assert.match(decisions['container-toolkit']?.commands.join('\n') ?? '', /nvidia-container-toolkit/);

    const outcome = await runProvisioning({
      shell,
      probe: () => probeHost(shell),
      options,
      bus: new EventBus(),
      steps: steps('nvidia-driver', 'kernel-module'),
    });
    assert.deepEqual(outcome.steps[0], {
      id: 'nvidia-driver',
      status: 'satisfied',
      detail: 'driver 535.183.01',
      applied: false,
    });
    // No /proc/driver/nvidia in the container, but nvidia-smi answering means the module is loaded (as on WSL2).
    assert.deepEqual(
      outcome.steps.map((s) => [s.id, s.status, s.applied]),
      [
        ['nvidia-driver', 'satisfied', false],
        ['kernel-module', 'satisfied', false],
      ],
    );
    assert.equal(outcome.rebootRequired, undefined);
  });
});
