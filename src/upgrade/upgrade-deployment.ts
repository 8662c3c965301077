import { statSync } from 'node:fs';
import { freemem } from 'node:os';
import { basename } from 'node:path';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { detectInventory } from '../detect/detect-inventory.js';
import type { MonitoringDeployInput } from '../monitoring/types.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { GatewayDeployInput } from '../runtime/deployer.js';
import { takenPorts } from '../runtime/port-check.js';
import { chooseStrategy, estimateFromFile, type FreeMemory } from './choose-strategy.js';
import { type SwitchResult, switchDeployment } from './switch-deployment.js';
import { buildTargetPlan, incomingEntries } from './target-plan.js';
import type { EntryReplacement, UpgradeStrategy } from './types.js';

export interface UpgradeInput {
  action: 'upgrade' | 'rollback';
  current: Plan;
  replacements: EntryReplacement[];
  /** `auto`: blue/green when the new engines fit beside the old ones, else stop-and-swap. */
  strategy: UpgradeStrategy | 'auto';
  runtime: ContainerRuntime;
  bus: EventBus;
  state: StateDir;
  gateway?: GatewayDeployInput;
  /** The monitoring containers' input, as `ops up` builds it (kept running through the switch). */
  monitoring?: MonitoringDeployInput;
  /** Free memory now (default: free VRAM from detection, free RAM from the kernel). */
  freeMemory?: () => Promise<FreeMemory>;
  drainTimeoutMs?: number;
}

/** Free VRAM per GPU (detected) and free RAM, beside what runs now. */
export async function freeMemoryNow(): Promise<FreeMemory> {
  const inventory = await detectInventory();
  const gpuBytes: Record<number, number> = {};
  for (const g of inventory.gpus) {
    if (g.vramUsedMiB !== null) gpuBytes[g.index] = (g.vramMiB - g.vramUsedMiB) * 1024 ** 2;
  }
  return { gpuBytes, cpuBytes: freemem() };
}

/**
 * Replaces engines of a running deployment: picks the strategy, builds the target Plan (new ports checked free
 * on this machine), and switches with health and smoke checks and automatic rollback.
 */
export async function upgradeDeployment(
  input: UpgradeInput,
): Promise<SwitchResult & { strategy: UpgradeStrategy; strategyReason: string }> {
  let strategy: UpgradeStrategy;
  let strategyReason: string;
  if (input.strategy === 'auto') {
    const needed = input.replacements.map(
      (r) => r.predicted ?? estimateFromFile(fileSize(r.model), r.gpus === 'all' ? [0] : (r.gpus ?? [])),
    );
    ({ strategy, reason: strategyReason } = chooseStrategy(
      needed,
      await (input.freeMemory ?? freeMemoryNow)(),
    ));
  } else {
    strategy = input.strategy;
    strategyReason = 'asked for';
  }
  const target = await targetWithFreePorts(input.current, input.replacements, strategy);
  const incoming = incomingEntries(input.current, target);
  const toolModels = new Set(
    incoming
      .filter((e) => input.replacements.some((r) => r.supportsTools && r.model === e.model))
      .map((e) => e.name),
  );
  const changes = input.replacements.map((r) => {
    const next = incoming.find((e) => e.model === r.model);
    return `${r.entry} (${basename(entryModel(input.current, r.entry))}) → ${next?.name ?? r.entry} (${r.label ?? basename(r.model)})`;
  });
  const result = await switchDeployment({
    action: input.action,
    current: input.current,
    target,
    strategy,
    changes,
    runtime: input.runtime,
    bus: input.bus,
    state: input.state,
    toolModels,
    ...(input.gateway ? { gateway: input.gateway } : {}),
    ...(input.monitoring ? { monitoring: input.monitoring } : {}),
    ...(input.drainTimeoutMs !== undefined ? { drainTimeoutMs: input.drainTimeoutMs } : {}),
  });
  return { ...result, strategy, strategyReason };
}

async function targetWithFreePorts(
  current: Plan,
  replacements: EntryReplacement[],
  strategy: UpgradeStrategy,
): Promise<Plan> {
  const taken = new Set<number>();
  for (let attempt = 0; attempt < 20; attempt++) {
    const target = buildTargetPlan(current, replacements, strategy, taken);
    const fresh = incomingEntries(current, target).filter(
      (e) => !current.engines.some((c) => isContainerEntry(c) && c.port === e.port),
    );
    const busy = await takenPorts(fresh.map((e) => ({ port: e.port, host: e.host })));
    if (busy.size === 0) return target;
    for (const p of busy) taken.add(p);
  }
  return buildTargetPlan(current, replacements, strategy, taken);
}

function entryModel(plan: Plan, name: string): string {
  const e = plan.engines.find((x) => x.name === name);
  return e && isContainerEntry(e) ? e.model : name;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
