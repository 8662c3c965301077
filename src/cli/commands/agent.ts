import { join } from 'node:path';
import type { Command } from 'commander';
import { AgentMetrics } from '../../agent/agent-metrics.js';
import { chooseSamplers } from '../../agent/choose-samplers.js';
import { probeTargetsFor } from '../../agent/probe-targets.js';
import { SamplingLoop } from '../../agent/sampling-loop.js';
import { configPath, loadOpsConfig } from '../../config/load-config.js';
import { OpsError } from '../../core/errors.js';
import { Ledger, ledgerPath } from '../../ledger/ledger.js';
import { ingestUsageSpool } from '../../ledger/spool-ingest.js';
import { acquireWriterLock } from '../../ledger/writer-lock.js';
import { readPlan } from '../../plan/load-plan.js';
import { planFileToUse } from '../../plan/plan-store.js';
import type { Plan } from '../../plan/types.js';
import { listenPort } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

interface AgentOptions {
  config?: string;
  plan?: string;
  metricsPort?: number;
}

/** `ops agent`: samples power, probes the gateway and engines, writes the ledger and serves /metrics, in the foreground. */
export const registerAgentCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('agent')
    .description(
      'sample GPU/CPU/system power and probe the gateway and engines into the ledger; serve /metrics (foreground)',
    )
    .option('--config <file>', 'config (default: $OPS_HOME/config.yaml)')
    .option('--plan <file>', 'Plan whose gateway and engines to probe (default: the current Plan, if any)')
    .option(
      '--metrics-port <n>',
      'port for /metrics (default: config agent.metricsPort, 9470; 0 = any free port)',
      listenPort,
    )
    .action(async (options: AgentOptions) => {
      const context = getContext();
      const config = loadOpsConfig(options.config ?? configPath(context.state));
      const planFile = planFileToUse(context.state, options.plan);
      const plan: Plan | undefined = planFile ? readPlan(planFile).plan : undefined;
      const targets = probeTargetsFor(plan, config.agent.probes);
      if (targets.length === 0) {
        context.bus.emit({
          kind: 'log',
          level: 'warn',
          message: 'nothing to probe: no Plan and no agent.probes in config.yaml; uptime will be unknown',
        });
      }
      const file = ledgerPath(context.state);
      const release = acquireWriterLock(file);
      const ledger = Ledger.open(file);
      const metrics = new AgentMetrics();
      const { samplers, tried } = await chooseSamplers(config);
      for (const t of tried)
        context.bus.emit({ kind: 'log', level: 'info', message: `power: ${t.strategy}: ${t.result}` });
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
            hint: 'pick another with --metrics-port N',
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
        bus: context.bus,
      });
      loop.start();
      // The gateways write usage to a spool (they never open the ledger); the agent, its one writer, imports it.
      const spoolRoot = join(context.state.root, 'spool');
      const ingest = () => {
        try {
          const { inserted, invalid } = ingestUsageSpool(ledger, spoolRoot);
          if (inserted > 0 || invalid > 0) {
            context.bus.emit({
              kind: 'log',
              level: invalid > 0 ? 'warn' : 'debug',
              message: `usage spool: ${inserted} request(s) imported${invalid ? `, ${invalid} unreadable line(s) skipped` : ''}`,
            });
          }
        } catch (error) {
          context.bus.emit({ kind: 'log', level: 'warn', message: `usage spool: ${String(error)}` });
        }
      };
      ingest();
      const ingestTimer = setInterval(ingest, Math.min(config.agent.probeIntervalS, 10) * 1000);
      context.bus.emit({
        kind: 'log',
        level: 'info',
        message: `agent writing ${file}; probing ${targets.map((t) => t.name).join(', ') || 'nothing'}; metrics at ${served.url}`,
      });
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          resolve();
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
      clearInterval(ingestTimer);
      ingest();
      await loop.stop();
      await new Promise((r) => served.server.close(r));
      ledger.close();
      release();
      context.bus.emit({ kind: 'log', level: 'info', message: 'agent stopped; ledger closed' });
    });
};
