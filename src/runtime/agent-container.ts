import { baseLabels, containerName, LABEL } from '../core/labels.js';
import { displayHost } from '../engines/engine-container.js';
import type { ContainerSpec } from '../engines/types.js';
import type { ContainerState } from './container-runtime.js';

/** The agent's entry name in labels and container names (reserved like `gateway`). */
export const AGENT_NAME = 'agent';
/** Where Linux's powercap framework exposes RAPL energy counters (read by src/agent/rapl-sampler.ts). */
export const POWERCAP_ON_HOST = '/sys/class/powercap';

/** The agent as `ops status`, `ops agent status` and `ops up --json` show it. */
export type AgentRunning =
  | {
      mode: 'container';
      container: string;
      deployment: string;
      /** Docker's view: running, restarting, exited… */
      state: ContainerState;
      /** Its /metrics answers. */
      healthy: boolean;
      url: string;
      log: string;
    }
  | { mode: 'process'; pid: number; log: string };

export interface AgentContainerInput {
  deployment: string;
  image: string;
  /** $OPS_HOME on the host: mounted read-write at the same path (ledger, spool, config.yaml, plan.yaml, logs). */
  stateRoot: string;
  metricsHost: string;
  metricsPort: number;
  /** The host's NVIDIA GPUs (nvidia-smi's indexes): the container asks for them, utility capability only. */
  gpus: number[];
  /** The host has /sys/class/powercap (RAPL): mounted read-only. */
  powercap: boolean;
  /**
   * sha256 of the Plan the agent reads at start: a changed Plan (new targets) replaces the container. config.yaml is
   * not hashed, as before with the host process: `ops setup` writes it after `up`, and an edit to it is applied by
   * `ops agent stop` then `ops agent start` (a changed metrics port changes the spec itself).
   */
  planSha256: string;
  /** `uid:gid`: the ledger and spool belong to the user who runs ops. */
  user?: string;
}

/**
 * The ops agent's container (pure). It runs the way the engines and the gateway run, with a restart policy, so
 * after a reboot power sampling and probes come back with the Docker daemon and nothing has to be typed.
 * - The host's network: it probes the gateway and engines on the host's loopback and serves /metrics there for
 *   Prometheus, exactly as the host process did.
 * - $OPS_HOME at the same path, so every path in config.yaml and plan.yaml means the same inside and out.
 * - RAPL read-only. Its energy counters are root-only on kernels since 5.10 (CVE-2020-8694), the same limit the
 *   agent had as a host process of the same user: the sampler then says why it is skipped.
 * - nvidia-smi: the NVIDIA Container Toolkit mounts the driver's utilities (nvidia-smi) into a container that asks
 *   for GPUs with the `utility` driver capability (NVIDIA_DRIVER_CAPABILITIES, "Driver capabilities" in NVIDIA's
 *   container toolkit docs: "utility: required for using nvidia-smi and NVML"); no compute libraries are asked for.
 *   It asks for the GPUs by the indexes the host's nvidia-smi lists (`--gpus device=0,1`): the same cards as
 *   `all`, and named, so the container's nvidia-smi reports exactly the cards the agent samples.
 */
export function agentContainerSpec(input: AgentContainerInput): ContainerSpec {
  const host = displayHost(input.metricsHost);
  const metricsUrl = `http://${host}:${input.metricsPort}/metrics`;
  return {
    name: containerName(input.deployment, AGENT_NAME),
    image: input.image,
    cmd: [],
    env: {
      OPS_HOME: input.stateRoot,
      // Not read by the agent: it puts the Plan it reads at start into the config hash.
      OPS_AGENT_PLAN_SHA256: input.planSha256,
      ...(input.gpus.length > 0 ? { NVIDIA_DRIVER_CAPABILITIES: 'utility' } : {}),
    },
    labels: {
      ...baseLabels(input.deployment, 'agent', AGENT_NAME),
      [LABEL.url]: `http://${host}:${input.metricsPort}`,
      [LABEL.stateDir]: input.stateRoot,
    },
    mounts: [
      { source: input.stateRoot, target: input.stateRoot, readOnly: false },
      ...(input.powercap ? [{ source: POWERCAP_ON_HOST, target: POWERCAP_ON_HOST, readOnly: true }] : []),
    ],
    port: { container: input.metricsPort, host: input.metricsPort, hostIp: input.metricsHost },
    network: 'host',
    gpus: input.gpus.length > 0 ? { kind: 'devices', deviceIds: input.gpus.map(String) } : { kind: 'none' },
    restartPolicy: 'unless-stopped',
    healthcheck: {
      // No curl in the image: node itself asks its /metrics.
      test: [
        'CMD',
        '/opt/ops/node',
        '-e',
        `fetch(${JSON.stringify(metricsUrl)}).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
      ],
      intervalS: 30,
      timeoutS: 5,
      retries: 3,
      startPeriodS: 10,
    },
    modelIdentity: 'none',
    ...(input.user ? { user: input.user } : {}),
  };
}
