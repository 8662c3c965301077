import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CommandError, OpsError } from '../../src/core/errors.js';
import { EventBus, type OpsEvent } from '../../src/core/events.js';
import { buildEngineImage } from '../../src/images/build-engine-image.js';
import { createRecipe, debianArch } from '../../src/images/image-recipe.js';
import { defaultAnswers, mergeAnswers, type PartialAnswers } from '../../src/setup/answers.js';
import { decideSteps } from '../../src/setup/decide-steps.js';
import { hostChecks } from '../../src/setup/doctor-checks.js';
import { probeHost } from '../../src/setup/probe-host.js';
import { provisionOptions } from '../../src/setup/provision-options.js';
import { PROVISION_STEPS } from '../../src/setup/provision-steps.js';
import type { ProvisionOptions } from '../../src/setup/provision-types.js';
import { runProvisioning } from '../../src/setup/step-runner.js';
import { type DockerTestKit, dockerTestKit, testDeploymentName } from '../support/docker-test-kit.js';
import { dockerExecShell } from './docker-exec-shell.js';

const options: ProvisionOptions = {
  driver: { requested: 'auto', flavour: 'open', reason: 'every card is Turing or newer', replace: false },
  upgradeToolkit: false,
  hostCuda: false,
  gatewayHost: '127.0.0.1',
  gatewayPort: 8080,
};
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's output format, not a JS template
const DPKG_LIST = "dpkg-query -W -f '${Package}=${Version}\\n'";
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

  beforeAll(async () => {
    kit = await dockerTestKit();
    await buildEngineImage({ docker: kit.docker, recipe });
  });
  afterAll(async () => kit.cleanup(deployment));

  const standIn = (file: string) => readFileSync(join(import.meta.dirname, file), 'utf8');
  /**
   * The simulated GPU host's nvidia-smi stand-in on PATH, answering from two RTX 4090s' report (driver 535.183.01),
   * and an Ubuntu 24.04 label.
   */
  async function asUbuntuWithGpus(shell: Awaited<ReturnType<typeof startContainer>>) {
    await shell.run(
      'cat > /usr/local/bin/nvidia-smi && chmod +x /usr/local/bin/nvidia-smi',
      readFileSync(join(import.meta.dirname, '..', 'gpu-sim', 'bin', 'nvidia-smi'), 'utf8'),
    );
    await shell.run(
      'cat > /usr/local/bin/nvidia-smi.xml',
      readFileSync(join(import.meta.dirname, '..', 'fixtures', 'nvidia-smi', 'rtx-4090-x2-535.xml'), 'utf8'),
    );
    await shell.run(
      `printf 'ID=ubuntu\\nVERSION_ID="24.04"\\nVERSION="24.04.3 LTS (Noble Numbat)"\\nPRETTY_NAME="Ubuntu 24.04.3 LTS (stand-in: a Debian 12 root)"\\n' > /etc/os-release`,
    );
  }
  const answersWith = (layer: PartialAnswers) =>
    mergeAnswers(
      defaultAnswers({
        defaults: {
          contextTokens: 4096,
          concurrency: 1,
          typicalPowerW: 100,
        },
        tco: {
          hardwareCostUsd: { low: 1, high: 2, typical: 1 },
          lifetimeYears: 3,
          electricityUsdPerMonth: 1,
          maintenanceUsdPerYear: 0,
        },
      }),
      layer,
    );

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

  it('Secure Boot reported on (mokutil stand-in): ops makes the DKMS signing key, then says what to do at the next boot', async () => {
    const shell = await startContainer('secure-boot');
    await asUbuntuWithGpus(shell);
    await shell.run(
      'cat > /usr/local/bin/mokutil && chmod +x /usr/local/bin/mokutil',
      standIn('fake-mokutil'),
    );
    const facts = await probeHost(shell);
    assert.equal(facts.secureBoot, 'enabled');
    assert.deepEqual(
      facts.gpus.map((g) => [g.name, g.computeCapability]),
      [
        ['NVIDIA GeForce RTX 4090', '8.9'],
        ['NVIDIA GeForce RTX 4090', '8.9'],
      ],
    );
    const opts = provisionOptions(answersWith({}), facts.gpus);
    assert.match(opts.driver.reason, /every card is Turing or newer/);
    const outcome = await runProvisioning({
      shell,
      probe: () => probeHost(shell),
      options: opts,
      bus: new EventBus(),
      steps: steps('secure-boot', 'kernel-module'),
    });
    // The key is real (openssl made it where Ubuntu's DKMS signs with it); enrolling it is the user's part.
    assert.equal(
      (await shell.run('openssl x509 -inform DER -in /var/lib/shim-signed/mok/MOK.der -noout -subject'))
        .exitCode,
      0,
    );
    assert.deepEqual(
      outcome.steps[0] && [outcome.steps[0].id, outcome.steps[0].status, outcome.steps[0].applied],
      ['secure-boot', 'manual', true],
    );
    assert.match(
      outcome.manual[0] ?? '',
      /mokutil --import \/var\/lib\/shim-signed\/mok\/MOK\.der.*Enroll MOK → Continue → Yes/,
    );
    // The stand-in's nvidia-smi answers, so the module is loaded and nothing waits on a reboot now; enrolling the
    // new key (for the modules DKMS builds next) is the user's manual step at their next boot.
    assert.equal(outcome.rebootRequired, undefined);

    // The user queues the key: doctor now says what happens at the next boot; after it, the key counts as enrolled.
    await shell.run('mokutil --import /var/lib/shim-signed/mok/MOK.der');
    const queued = await probeHost(shell);
    const doctor = Object.fromEntries(hostChecks(queued, opts).map((c) => [c.id, c]));
    assert.match(doctor['secure-boot']?.detail ?? '', /queued for enrolment: at the next boot.*Enroll MOK/);
    await shell.run('touch /var/lib/ops-test-mok/enrolled');
    const enrolled = decideSteps(await probeHost(shell), opts, steps('secure-boot'));
    assert.equal(enrolled[0]?.status, 'satisfied');
  });

  describe("a stand-in for NVIDIA's apt repository (a local flat repository of empty packages)", () => {
    /** Builds real .deb files with dpkg-deb, indexes them, and adds the repository to apt. */
    const REPO_SETUP = [
      'set -e; mkdir -p /srv/nvidia-repo-standin; cd /srv/nvidia-repo-standin',
      `mk() { d=/tmp/pkg/$1_$2; mkdir -p $d/DEBIAN; printf 'Package: %s\\nVersion: %s\\nArchitecture: all\\nMaintainer: ops tests <ops@localhost>\\nDescription: stand-in for NVIDIA package %s\\n' $1 $2 $1 > $d/DEBIAN/control; dpkg-deb --root-owner-group --build $d /srv/nvidia-repo-standin/$1_$2_all.deb >/dev/null; }`,
      'mk nvidia-open 580.95.05-1; mk nvidia-open 575.57.08-1; mk nvidia-driver-pinning-580 580-1; mk nvidia-driver-pinning-575 575-1; mk cuda-keyring 1.1-1',
      `for f in *.deb; do dpkg-deb -f $f; echo "Filename: ./$f"; echo "Size: $(stat -c %s $f)"; echo "SHA256: $(sha256sum $f | cut -d' ' -f1)"; echo; done > Packages`,
      "echo 'deb [trusted=yes] file:/srv/nvidia-repo-standin ./' > /etc/apt/sources.list.d/nvidia-standin.list",
      // Only the stand-in's index: the packages have no dependencies, and Debian's archive is slow to fetch.
      'apt-get update -q -o Dir::Etc::sourcelist=sources.list.d/nvidia-standin.list -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 >/dev/null',
      // cuda-keyring installed means "NVIDIA's repository is configured" (ops then skips fetching it).
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q cuda-keyring nvidia-open=575.57.08-1 >/dev/null',
    ].join('\n');
    let shell: Awaited<ReturnType<typeof startContainer>>;
    beforeAll(async () => {
      shell = await startContainer('pins');
      await asUbuntuWithGpus(shell);
      const r = await shell.run(REPO_SETUP);
      assert.equal(r.exitCode, 0, r.stderr);
    });

    it('a pin that matches no package is refused before anything changes, listing the versions that exist', async () => {
      const before = (await shell.run(DPKG_LIST)).stdout;
      const opts = provisionOptions(
        answersWith({ driver: { pin: '550.127', flavour: 'auto', replace: true } }),
        [],
      );
      await assert.rejects(
        runProvisioning({ shell, probe: () => probeHost(shell), options: opts, bus: new EventBus() }),
        (e: unknown) =>
          e instanceof OpsError &&
          e.exitCode === 2 &&
          /refused before changing anything: driver-pin: pin 550\.127 matches no driver package/.test(
            e.message,
          ) &&
          /available: 580\.95\.05, 580, 575\.57\.08, 575/.test(e.message),
      );
      assert.equal((await shell.run(DPKG_LIST)).stdout, before);
      assert.notEqual((await shell.run('test -e /etc/apt/preferences.d/ops-nvidia-driver-pin')).exitCode, 0);
    });

    it("a branch pin installs NVIDIA's pinning package and holds the driver; doctor shows both", async () => {
      const opts = provisionOptions(
        answersWith({ driver: { pin: '580', flavour: 'auto', replace: true } }),
        [],
      );
      const outcome = await runProvisioning({
        shell,
        probe: () => probeHost(shell),
        options: opts,
        bus: new EventBus(),
        steps: steps('driver-pin', 'driver-hold'),
      });
      assert.deepEqual(
        outcome.steps.map((s) => [s.id, s.status, s.applied]),
        [
          ['driver-pin', 'satisfied', true],
          ['driver-hold', 'satisfied', true],
        ],
      );
      assert.match((await shell.run('apt-mark showhold')).stdout, /^nvidia-open$/m);
      const doctor = Object.fromEntries(hostChecks(await probeHost(shell), opts).map((c) => [c.id, c]));
      assert.match(doctor['driver-pin']?.detail ?? '', /pinned by nvidia-driver-pinning-580/);
      assert.match(doctor['driver-hold']?.detail ?? '', /held: nvidia-open/);
    });
  });
});
