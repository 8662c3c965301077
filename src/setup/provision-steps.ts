import { aptInstall, aptInstallDir, aptTool } from './apt-commands.js';
import { DRIVER_STEPS } from './driver-steps.js';
import { gpuCount } from './host-facts.js';
import { cudaKeyring, DRIVER_DOC, noGpu } from './nvidia-repo.js';
import type { ProvisionStep } from './provision-types.js';
import { MIN_SAFE_TOOLKIT, toolkitOpenCves } from './toolkit-security.js';

// NVIDIA Container Toolkit install guide, "With apt: Ubuntu, Debian":
// https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html
const TOOLKIT_DOC =
  'https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html';
const TOOLKIT_GPGKEY = 'https://nvidia.github.io/libnvidia-container/gpgkey';
const TOOLKIT_LIST = 'https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list';
const TOOLKIT_KEYRING = '/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg';
/** The toolkit's four packages (install guide); a pinned version applies to all of them. */
const TOOLKIT_PACKAGES = [
  'nvidia-container-toolkit',
  'nvidia-container-toolkit-base',
  'libnvidia-container-tools',
  'libnvidia-container1',
];
// Container Toolkit troubleshooting, "Containers losing access to GPUs with error: Failed to initialize NVML:
// Unknown Error": with systemd managing the container cgroups, a `systemctl daemon-reload` drops the GPU devices of
// running containers unless /dev/char symlinks to the NVIDIA device nodes exist; NVIDIA's fix is
// `nvidia-ctk system create-dev-char-symlinks --create-all` plus a udev rule that re-creates them when the driver
// loads (the alternatives are Docker's cgroupfs driver or passing every /dev/nvidia* with --device).
// https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html
// https://github.com/NVIDIA/nvidia-container-toolkit/issues/48
const NVML_DOC =
  'https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html';
const DEV_CHAR_RULE = '/lib/udev/rules.d/71-nvidia-dev-char.rules';
const DEV_CHAR_RULE_TEXT =
  'ACTION=="add", DEVPATH=="/bus/pci/drivers/nvidia", RUN+="/usr/bin/nvidia-ctk system create-dev-char-symlinks --create-all"';
/** Image used to prove a container sees the GPU (built by ops; the toolkit mounts nvidia-smi into it). */
const GPU_PROBE_IMAGE = 'ops/llama.cpp:cpu';

const restartDocker =
  'if [ -d /run/systemd/system ]; then systemctl restart docker; else service docker restart; fi';

const gpuContainerCheck = `if docker image inspect ${GPU_PROBE_IMAGE} >/dev/null 2>&1; then docker run --rm --gpus all --entrypoint nvidia-smi ${GPU_PROBE_IMAGE} -L; else echo "no ${GPU_PROBE_IMAGE} yet: the --gpus all check runs in ops doctor"; fi`;

/**
 * The host provisioning steps, in the order they run. Each says how to tell it is already done, how to do it per
 * distro, and how to verify it. Nothing installed is replaced unless the user asked (a pinned driver with
 * `replace`); the firewall is never opened.
 */
export const PROVISION_STEPS: readonly ProvisionStep[] = [
  {
    id: 'prerequisites',
    title: 'curl, gpg and CA certificates (to fetch NVIDIA repository keys)',
    gpuOnly: false,
    doc: DRIVER_DOC,
    check: (facts, options) => {
      if (facts.missingPrerequisites.length === 0)
        return { status: 'satisfied', detail: 'curl, gpg and CA certificates present' };
      // From a bundle nothing is fetched, so no repository key is either.
      if (options.bundleApt)
        return {
          status: 'not-applicable',
          detail: `not needed: packages come from the bundle's repository (${options.bundleApt.repo})`,
        };
      return { status: 'pending', detail: `missing: ${facts.missingPrerequisites.join(', ')}` };
    },
    apply: (ctx) => [aptInstall(['ca-certificates', 'curl', 'gnupg'], ctx.options.bundleApt)],
    verify: () => ['command -v curl && command -v gpg && test -r /etc/ssl/certs/ca-certificates.crt'],
    manual: 'install curl, gnupg and ca-certificates with the system package manager',
  },
  ...DRIVER_STEPS,
  {
    id: 'cuda-toolkit',
    title: 'CUDA toolkit on the host',
    gpuOnly: true,
    doc: DRIVER_DOC,
    check: (facts, options) => {
      if (gpuCount(facts) === 0) return noGpu;
      if (facts.cudaToolkit) return { status: 'kept', detail: `CUDA ${facts.cudaToolkit} present, kept` };
      if (!options.hostCuda)
        return {
          status: 'not-applicable',
          detail:
            'not needed: the engine images bring their own CUDA runtime (answer hostCuda: true to install it)',
        };
      return { status: 'pending', detail: 'no CUDA toolkit on the host' };
    },
    apply: (ctx) => [...cudaKeyring(ctx), aptInstall(['cuda-toolkit'], ctx.options.bundleApt)],
    verify: () => ['ls /usr/local/cuda/bin/nvcc'],
    manual: "install the CUDA toolkit following NVIDIA's CUDA installation guide for your distribution",
  },
  {
    id: 'container-toolkit',
    title: 'NVIDIA Container Toolkit',
    gpuOnly: true,
    doc: TOOLKIT_DOC,
    check: (facts, options) => {
      if (gpuCount(facts) === 0) return noGpu;
      const version = facts.containerToolkit;
      if (!version) return { status: 'pending', detail: 'nvidia-ctk not found' };
      const open = toolkitOpenCves(version);
      if (open.length === 0)
        return { status: 'satisfied', detail: `nvidia-ctk ${version} (has the published security fixes)` };
      const risk = `nvidia-ctk ${version} lacks the fixes for ${open.join(', ')} (${MIN_SAFE_TOOLKIT}+ has them)`;
      // Upgraded only with consent: a toolkit upgrade restarts nothing, but it is the user's box.
      return options.upgradeToolkit
        ? { status: 'pending', detail: `${risk}: upgrading` }
        : {
            status: 'kept',
            detail: `${risk}; kept (answer upgradeToolkit: true to upgrade)`,
            concern: `upgrade the NVIDIA Container Toolkit to ${MIN_SAFE_TOOLKIT} or newer: ops setup --upgrade-toolkit`,
          };
    },
    apply: (ctx) =>
      ctx.options.bundleApt
        ? [aptInstall(TOOLKIT_PACKAGES, ctx.options.bundleApt)]
        : ctx.options.debDir
          ? [aptInstallDir(ctx.options.debDir)]
          : [
              `curl -fsSL ${TOOLKIT_GPGKEY} | gpg --batch --yes --dearmor -o ${TOOLKIT_KEYRING}`,
              `curl -fsSL ${TOOLKIT_LIST} | sed 's#deb https://#deb [signed-by=${TOOLKIT_KEYRING}] https://#g' > /etc/apt/sources.list.d/nvidia-container-toolkit.list`,
              'apt-get update -q',
              aptInstall(TOOLKIT_PACKAGES),
            ],
    verify: () => ['nvidia-ctk --version'],
    manual: `install the NVIDIA Container Toolkit by hand: ${TOOLKIT_DOC}`,
  },
  {
    id: 'docker-engine',
    title: 'Docker Engine installed',
    gpuOnly: false,
    doc: 'https://docs.docker.com/engine/install/',
    check: (facts) =>
      facts.dockerServer || (facts.dockerCli && facts.dockerDaemonBinary)
        ? { status: 'satisfied', detail: `docker ${facts.dockerServer ?? 'installed'}` }
        : { status: 'pending', detail: 'no Docker Engine' },
    // The distribution's docker.io (newer releases ship the CLI as docker-cli): served by the same archive as the
    // rest of the system, so it also installs from a local mirror on an air-gapped site.
    apply: ({ options: { bundleApt } }) => [
      aptInstall(['docker.io'], bundleApt),
      `if ${aptTool('apt-cache', bundleApt)} show docker-cli >/dev/null 2>&1; then ${aptInstall(['docker-cli'], bundleApt)}; fi`,
    ],
    verify: () => ['command -v docker && (command -v dockerd || test -x /usr/sbin/dockerd)'],
    manual: 'install Docker Engine by hand: https://docs.docker.com/engine/install/',
  },
  {
    id: 'docker-daemon',
    title: 'Docker daemon running',
    gpuOnly: false,
    doc: 'https://docs.docker.com/engine/daemon/start/',
    check: (facts) =>
      facts.dockerServer
        ? { status: 'satisfied', detail: `daemon ${facts.dockerServer} answers` }
        : { status: 'pending', detail: 'the Docker daemon does not answer' },
    apply: () => [
      'if [ -d /run/systemd/system ]; then systemctl enable --now docker; else (PATH="$PATH:/usr/sbin:/sbin" setsid nohup dockerd >>/var/log/ops-dockerd.log 2>&1 </dev/null &); fi',
      'for i in $(seq 30); do docker info >/dev/null 2>&1 && exit 0; sleep 1; done; echo "dockerd did not answer within 30 s; last lines of /var/log/ops-dockerd.log:" >&2; tail -n 15 /var/log/ops-dockerd.log >&2; exit 1',
    ],
    verify: () => ['docker info --format "{{.ServerVersion}}"'],
    manual: 'start the Docker daemon (systemctl start docker) and run ops setup again',
  },
  {
    id: 'docker-nvidia-runtime',
    title: 'Docker configured for the GPU (nvidia-ctk runtime configure)',
    gpuOnly: true,
    doc: TOOLKIT_DOC,
    check: (facts) => {
      if (gpuCount(facts) === 0) return noGpu;
      return facts.dockerRuntimes.includes('nvidia')
        ? { status: 'satisfied', detail: 'Docker has the nvidia runtime' }
        : { status: 'pending', detail: 'Docker has no nvidia runtime' };
    },
    apply: () => ['nvidia-ctk runtime configure --runtime=docker', restartDocker],
    verify: () => ["docker info --format '{{json .Runtimes}}' | grep -q nvidia", gpuContainerCheck],
    manual: `run nvidia-ctk runtime configure --runtime=docker and restart Docker (${TOOLKIT_DOC})`,
  },
  {
    id: 'nvml-daemon-reload',
    title: 'containers keep the GPU across systemctl daemon-reload',
    gpuOnly: true,
    doc: NVML_DOC,
    check: (facts) => {
      if (gpuCount(facts) === 0) return noGpu;
      if (facts.devCharRule) return { status: 'satisfied', detail: '/dev/char symlink udev rule present' };
      if (facts.dockerCgroupDriver && facts.dockerCgroupDriver !== 'systemd')
        return {
          status: 'satisfied',
          detail: `not affected: Docker uses the ${facts.dockerCgroupDriver} cgroup driver`,
        };
      return {
        status: 'pending',
        detail: `Docker's cgroup driver is ${facts.dockerCgroupDriver ?? 'systemd (default)'}: a daemon-reload would cut running containers off their GPUs ("Failed to initialize NVML: Unknown Error")`,
      };
    },
    apply: () => [
      'nvidia-ctk system create-dev-char-symlinks --create-all',
      `printf '%s\\n' '${DEV_CHAR_RULE_TEXT}' > ${DEV_CHAR_RULE}`,
    ],
    verify: () => [`test -s ${DEV_CHAR_RULE}`],
    manual: `create the /dev/char symlinks and the udev rule from ${NVML_DOC}`,
  },
  {
    id: 'firewall',
    title: 'firewall stays closed to the gateway',
    gpuOnly: false,
    doc: 'https://manpages.ubuntu.com/manpages/noble/man8/ufw.8.html',
    check: (facts, options) => {
      const loopback = options.gatewayHost === '127.0.0.1' || options.gatewayHost === 'localhost';
      if (loopback)
        return {
          status: 'satisfied',
          detail: `the gateway listens on ${options.gatewayHost}:${options.gatewayPort} only; no port is opened`,
        };
      return {
        status: 'manual',
        detail: `the gateway listens on ${options.gatewayHost}:${options.gatewayPort}; ops opens no firewall port${facts.firewall ? ` (${facts.firewall})` : ''}: allow your network by hand, e.g. ufw allow from 10.0.0.0/8 to any port ${options.gatewayPort} proto tcp`,
      };
    },
    apply: () => [],
    manual: 'ops never opens the firewall; allow the gateway port to your network by hand if you need it',
  },
];
