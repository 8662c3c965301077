import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { configPath, loadOpsConfig } from '../config/load-config.js';
import type { EventBus } from '../core/events.js';
import { LABEL } from '../core/labels.js';
import type { StateDir } from '../core/state-dir.js';
import { defaultAgentTag } from '../images/agent-image.js';
import { AGENT_NAME, type AgentRunning, agentContainerSpec, POWERCAP_ON_HOST } from './agent-container.js';
import { configHash } from './config-hash.js';
import type { ContainerRuntime } from './container-runtime.js';
import { agentPaths, ensureHostAgent, runningAgent, stopHostAgent } from './host-agent-process.js';
import { hostUser } from './model-identity.js';
import { probeHealth, waitForHealth } from './wait-for-health.js';

/** Labels of the agent containers that write this state directory's ledger, whatever their deployment. */
export function agentLabels(state: StateDir): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.role]: 'agent', [LABEL.stateDir]: state.root };
}

/** The agent of this state directory: its container if there is one, else a host process, else undefined. */
export async function agentStatus(
  state: StateDir,
  runtime: ContainerRuntime | undefined,
): Promise<AgentRunning | undefined> {
  const [container] = runtime ? await runtime.list(agentLabels(state)) : [];
  if (container) {
    const url = container.labels[LABEL.url] ?? '';
    return {
      mode: 'container',
      container: container.name,
      deployment: container.labels[LABEL.deployment] ?? '',
      state: container.state,
      healthy: container.state === 'running' && url !== '' && (await probeHealth(`${url}/metrics`)),
      url,
      log: agentPaths(state).log,
    };
  }
  const process_ = runningAgent(state);
  return process_ ? { mode: 'process', pid: process_.pid, log: process_.log } : undefined;
}

export interface EnsureAgentContext {
  state: StateDir;
  runtime: ContainerRuntime;
  bus: EventBus;
  /** The host's NVIDIA GPU indexes (nvidia-smi): the container asks for them with the utility capability. */
  gpus: number[];
  env?: NodeJS.ProcessEnv;
  /** Image to run; default ops/agent:<version>. Without it, the agent runs as a host process. */
  image?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const readOr = (file: string, fallback: string) => (existsSync(file) ? readFileSync(file, 'utf8') : fallback);

/**
 * Keeps the agent running for the current Plan ($OPS_HOME/plan.yaml, saved before this is called): as a container
 * with a restart policy, so it comes back with the Docker daemon after a reboot. Idempotent: a container already
 * running for the same Plan and config is left alone, a changed one replaced. An agent left as a host process (by
 * an older ops, or by the fallback) is stopped first, and so is another deployment's agent on the same ledger:
 * the ledger has one writer. Without the agent image it falls back to a host process and says what is lost.
 */
export async function ensureAgent(deployment: string, ctx: EnsureAgentContext): Promise<AgentRunning> {
  const { state, runtime, bus } = ctx;
  const image = ctx.image ?? defaultAgentTag();
  const planText = readOr(state.planFile, '');
  if (!(await runtime.imageExists(image))) {
    bus.emit({
      kind: 'log',
      level: 'warn',
      message: `${image} is not built: the agent runs as a host process, which nothing restarts after a reboot (build the image with \`ops images build agent\`, then run \`ops up\` again)`,
    });
    const info = await ensureHostAgent(state, planText, bus, ctx.env);
    return { mode: 'process', pid: info.pid, log: info.log };
  }
  await stopHostAgent(state, bus);
  const configFile = configPath(state);
  const config = loadOpsConfig(configFile);
  const spec = agentContainerSpec({
    deployment,
    image,
    stateRoot: state.root,
    metricsHost: config.agent.metricsHost,
    metricsPort: config.agent.metricsPort,
    gpus: ctx.gpus,
    powercap: existsSync(POWERCAP_ON_HOST),
    planSha256: sha256(planText),
    ...(hostUser() ? { user: hostUser() as string } : {}),
  });
  const hash = configHash(spec);
  let id: string | undefined;
  for (const c of await runtime.list(agentLabels(state))) {
    const same = c.labels[LABEL.deployment] === deployment && c.labels[LABEL.configHash] === hash;
    if (same && !id) {
      id = c.id;
      if (c.state === 'running') {
        bus.emit({ kind: 'container:reuse', name: c.name, configHash: hash });
      } else {
        await runtime.start(c.id);
      }
      continue;
    }
    await removeAgentContainer(runtime, c.id);
    bus.emit({
      kind: 'container:remove',
      name: c.name,
      reason: same ? 'a second agent on one ledger' : 'the Plan changed',
    });
  }
  if (!id) {
    bus.emit({ kind: 'container:create', name: spec.name, engine: AGENT_NAME, configHash: hash });
    id = await runtime.create(spec, hash);
    await runtime.start(id);
  }
  const url = spec.labels[LABEL.url] as string;
  // Port 0 (any free port) cannot be known from outside; then there is nothing to wait for.
  if (config.agent.metricsPort !== 0)
    await waitForHealth(
      { name: AGENT_NAME, containerId: id, url, healthPath: '/metrics', timeoutS: 60 },
      runtime,
      bus,
    );
  return {
    mode: 'container',
    container: spec.name,
    deployment,
    state: 'running',
    healthy: config.agent.metricsPort !== 0,
    url,
    log: agentPaths(state).log,
  };
}

/** Stops this state directory's agent, container or host process. Names what it stopped. */
export async function stopAgent(
  state: StateDir,
  runtime: ContainerRuntime | undefined,
  bus: EventBus,
): Promise<string[]> {
  const stopped: string[] = [];
  for (const c of runtime ? await runtime.list(agentLabels(state)) : []) {
    await removeAgentContainer(runtime!, c.id);
    bus.emit({ kind: 'container:remove', name: c.name, reason: 'agent stopped' });
    stopped.push(c.name);
  }
  if (await stopHostAgent(state, bus)) stopped.push('ops agent (host process)');
  return stopped;
}

/**
 * Stops the agent's container with SIGTERM first (it closes the ledger and logs "agent stopped"), then removes it;
 * a forced removal alone would kill the ledger's writer mid-write.
 */
export async function removeAgentContainer(runtime: ContainerRuntime, id: string): Promise<void> {
  await runtime.stop(id, AGENT_STOP_GRACE_S);
  await runtime.remove(id);
}

/** How long the agent has to close the ledger after SIGTERM before Docker kills it. */
const AGENT_STOP_GRACE_S = 10;
