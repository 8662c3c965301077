import { join } from 'node:path';
import { configPath, loadOpsConfig } from '../config/load-config.js';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { Ledger, ledgerPath } from '../ledger/ledger.js';
import { ingestUsageSpool } from '../ledger/spool-ingest.js';
import { acquireWriterLock } from '../ledger/writer-lock.js';
import { readPlan } from '../plan/load-plan.js';
import { planFileToUse } from '../plan/plan-store.js';
import type { Plan } from '../plan/types.js';
import { AgentMetrics } from './agent-metrics.js';
import { chooseSamplers } from './choose-samplers.js';
import { probeTargetsFor } from './probe-targets.js';
import { SamplingLoop } from './sampling-loop.js';

export interface RunAgentOptions {
  state: StateDir;
  bus: EventBus;
  /** config.yaml to read; default `$OPS_HOME/config.yaml`. */
  configFile?: string;
  /** The Plan whose gateway and engines to probe; default the current Plan, if any. */
  planFile?: string;
  /** Port for /metrics; default the config's `agent.metricsPort`. */
  metricsPort?: number;
  /** Stops the agent (flush, close the ledger, release the lock). */
  signal: AbortSignal;
}

/**
 * The agent's whole life, the same in the foreground (`ops agent`) and in its container (src/agent/main.ts): take
 * the ledger's writer lock, choose the power samplers, serve /metrics, sample and probe, import the usage spool,
 * and on `signal` flush and close everything.
 */
export async function runAgent(options: RunAgentOptions): Promise<void> {
  const { state, bus } = options;
  const config = loadOpsConfig(options.configFile ?? configPath(state));
  const planFile = planFileToUse(state, options.planFile);
  const plan: Plan | undefined = planFile ? readPlan(planFile).plan : undefined;
  const targets = probeTargetsFor(plan, config.agent.probes);
  if (targets.length === 0) {
    bus.emit({
      kind: 'log',
      level: 'warn',
      message: 'nothing to probe: no Plan and no agent.probes in config.yaml; uptime will be unknown',
    });
  }
  const file = ledgerPath(state);
  const release = acquireWriterLock(file);
  const ledger = Ledger.open(file);
  const metrics = new AgentMetrics();
  const { samplers, tried } = await chooseSamplers(config);
  for (const t of tried)
    bus.emit({ kind: 'log', level: 'info', message: `power: ${t.strategy}: ${t.result}` });
  const port = options.metricsPort ?? config.agent.metricsPort;
  let served: Awaited<ReturnType<AgentMetrics['listen']>>;
  try {
    served = await metrics.listen(port, config.agent.metricsHost);
  } catch (error) {
    ledger.close();
    release();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new OpsError(`port ${port} is already in use`, {
        exitCode: 2,
        hint: 'pick another with --metrics-port N (or agent.metricsPort in config.yaml)',
      });
    }
    throw error;
  }
  const loop = new SamplingLoop({
    ledger,
    samplers,
    targets,
    sampleIntervalMs: config.agent.sampleIntervalS * 1000,
    probeIntervalMs: config.agent.probeIntervalS * 1000,
    probeTimeoutMs: config.agent.probeTimeoutS * 1000,
    rollup: {
      probeIntervalS: config.agent.probeIntervalS,
      maxGapS: config.energy.maxGapS,
      maxCounterGapS: config.energy.maxCounterGapS,
    },
    rawRetentionDays: config.agent.rawRetentionDays,
    metrics,
    bus,
  });
  loop.start();
  // The gateways write usage to a spool (they never open the ledger); the agent, its one writer, imports it.
  const spoolRoot = join(state.root, 'spool');
  const ingest = () => {
    try {
      const { inserted, invalid } = ingestUsageSpool(ledger, spoolRoot);
      if (inserted > 0 || invalid > 0) {
        bus.emit({
          kind: 'log',
          level: invalid > 0 ? 'warn' : 'debug',
          message: `usage spool: ${inserted} request(s) imported${invalid ? `, ${invalid} unreadable line(s) skipped` : ''}`,
        });
      }
    } catch (error) {
      bus.emit({ kind: 'log', level: 'warn', message: `usage spool: ${String(error)}` });
    }
  };
  ingest();
  const ingestTimer = setInterval(ingest, Math.min(config.agent.probeIntervalS, 10) * 1000);
  bus.emit({
    kind: 'log',
    level: 'info',
    message: `agent writing ${file}; probing ${targets.map((t) => t.name).join(', ') || 'nothing'}; metrics at ${served.url}`,
  });
  if (!options.signal.aborted)
    await new Promise<void>((resolve) =>
      options.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  clearInterval(ingestTimer);
  ingest();
  await loop.stop();
  await new Promise((r) => served.server.close(r));
  ledger.close();
  release();
  bus.emit({ kind: 'log', level: 'info', message: 'agent stopped; ledger closed' });
}

/** An AbortSignal that fires on SIGINT or SIGTERM (what `docker stop` and a shutdown send). */
export function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return controller.signal;
}
