import { randomBytes } from 'node:crypto';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { displayHost } from '../engines/engine-container.js';
import type { MonitoringDeployInput } from '../monitoring/types.js';
import { saveCurrentPlan } from '../plan/plan-store.js';
import type { ContainerEntry, Plan } from '../plan/types.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { deployUp, type GatewayDeployInput } from '../runtime/deployer.js';
import { StoreModelLocator } from '../store/model-locator.js';
import { GatewayControl } from './gateway-switch.js';
import { smokeCheck } from './smoke-check.js';
import { incomingEntries, retiringEntries, unionPlan } from './target-plan.js';
import type { UpgradeStrategy } from './types.js';
import { UpgradeLog } from './upgrade-events.js';

export interface SwitchInput {
  action: 'upgrade' | 'rollback';
  current: Plan;
  /** The Plan after the switch (see buildTargetPlan). */
  target: Plan;
  strategy: UpgradeStrategy;
  /** One line per change, for the start event. */
  changes: string[];
  runtime: ContainerRuntime;
  bus: EventBus;
  state: StateDir;
  /** The gateway container's input, as `ops up` builds it; absent when the Plan has no gateway. */
  gateway?: GatewayDeployInput;
  /** The monitoring containers' input, as `ops up` builds it: without it a switch would remove them. */
  monitoring?: MonitoringDeployInput;
  /** Entry names whose model claims tool support (the smoke check then asks for a tool call). */
  toolModels?: ReadonlySet<string>;
  /** How long requests on the old engine may take to finish (default 120 s). */
  drainTimeoutMs?: number;
}

export interface SwitchResult {
  id: string;
  outcome: 'switched' | 'rolled-back';
  /** The Plan that runs now. */
  plan: Plan;
  from: string[];
  to: string[];
  reason?: string;
  durationMs: number;
}

/**
 * Moves a running deployment from one Plan to another without failing client requests, and back by itself
 * when the new engine fails its health or smoke check (the old one keeps or resumes serving). The Plan that runs
 * afterwards is saved as current, the one before it as previous. Every step is an upgrade event.
 */
export async function switchDeployment(input: SwitchInput): Promise<SwitchResult> {
  const id = randomBytes(6).toString('hex');
  const log = new UpgradeLog(input.state, input.bus, {
    id,
    deployment: input.current.deployment,
    action: input.action,
    strategy: input.strategy,
  });
  const incoming = incomingEntries(input.current, input.target);
  const retiring = retiringEntries(input.current, input.target);
  const from = input.current.engines.map((e) => e.name);
  const to = input.target.engines.map((e) => e.name);
  if (incoming.length === 0) {
    return { id, outcome: 'switched', plan: input.current, from, to: from, durationMs: 0 };
  }
  log.start(input.changes);
  const gateway =
    input.current.gateway?.enabled && input.gateway
      ? new GatewayControl(input.state, input.current)
      : undefined;
  const run = input.strategy === 'blue-green' ? blueGreen : stopAndSwap;
  try {
    const failure = await run(input, incoming, retiring, gateway);
    if (failure) {
      log.rolledBack(failure);
      return {
        id,
        outcome: 'rolled-back',
        plan: input.current,
        from,
        to: from,
        reason: failure,
        durationMs: log.elapsedMs,
      };
    }
  } catch (error) {
    log.failed(error instanceof Error ? error.message : String(error));
    throw error;
  }
  saveCurrentPlan(input.state, input.target);
  log.switched(from, to);
  return { id, outcome: 'switched', plan: input.target, from, to, durationMs: log.elapsedMs };
}

type Switch = (
  input: SwitchInput,
  incoming: ContainerEntry[],
  retiring: Plan['engines'],
  gateway: GatewayControl | undefined,
) => Promise<string | undefined>;

/** Starts the new engines beside the old, checks them, moves the aliases, drains and removes the old ones. */
const blueGreen: Switch = async (input, incoming, retiring, gateway) => {
  const { current, target, runtime, bus } = input;
  const clash = incoming.filter((e) => current.engines.some((c) => c.name === e.name));
  if (clash.length > 0) {
    throw new OpsError(
      `blue/green needs new entry names; ${clash.map((e) => e.name).join(', ')} already run`,
      {
        hint: 'use --strategy stop-and-swap to replace an engine in place',
      },
    );
  }
  const deploy = (plan: Plan) =>
    deployUp(plan, runtime, bus, {
      models: new StoreModelLocator(input.state),
      ...(input.gateway ? { gateway: input.gateway } : {}),
      ...(input.monitoring ? { monitoring: input.monitoring } : {}),
    });
  try {
    await deploy(unionPlan(current, target));
    await checkAll(incoming, input.toolModels);
  } catch (error) {
    // The old engines never stopped serving: removing the new ones is the whole rollback.
    await deploy(current);
    return reasonOf(error);
  }
  if (gateway) {
    try {
      await gateway.routeBy(target);
    } catch (error) {
      await gateway.routeBy(current).catch(() => undefined);
      await deploy(current);
      return reasonOf(error);
    }
    // Requests routed before the reload finish on the old engines; then they can go.
    await gateway.drained(
      retiring.map((e) => e.name),
      input.drainTimeoutMs ?? 120_000,
    );
  }
  await deploy(target);
  return undefined;
};

/**
 * Holds the gateway's queue for the replaced entries, replaces them in place, checks them and releases the
 * queue; on failure restores the old entries and releases the queue to them.
 */
const stopAndSwap: Switch = async (input, incoming, _retiring, gateway) => {
  const { current, target, runtime, bus } = input;
  const deploy = (plan: Plan) =>
    deployUp(plan, runtime, bus, {
      models: new StoreModelLocator(input.state),
      ...(input.gateway ? { gateway: input.gateway } : {}),
      ...(input.monitoring ? { monitoring: input.monitoring } : {}),
    });
  const names = incoming.map((e) => e.name);
  // The hold outlives a failed start plus the old engine's restart, and no more: it ends by itself.
  const healthS = Math.max(...incoming.map((e) => e.healthTimeoutS));
  const untilMs = Date.now() + (2 * healthS + 120) * 1000;
  try {
    await gateway?.hold(names, untilMs, input.drainTimeoutMs ?? 120_000);
    try {
      await deploy(target);
      await checkAll(incoming, input.toolModels);
    } catch (error) {
      await deploy(current);
      await gateway?.routeBy(current);
      return reasonOf(error);
    }
    await gateway?.routeBy(target);
    return undefined;
  } finally {
    gateway?.release();
  }
};

async function checkAll(
  entries: ContainerEntry[],
  toolModels: ReadonlySet<string> | undefined,
): Promise<void> {
  for (const e of entries) {
    await smokeCheck({
      name: e.name,
      baseUrl: `http://${displayHost(e.host)}:${e.port}`,
      supportsTools: toolModels?.has(e.name) ?? false,
    });
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
