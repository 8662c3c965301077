import type { Command } from 'commander';
import { runAgent, stopSignal } from '../../agent/run-agent.js';
import { OpsError } from '../../core/errors.js';
import { detectGpuIndexes } from '../../detect/gpu-indexes.js';
import { planFootprint, readPlanDocument } from '../../plan/load-plan.js';
import { planFileToUse } from '../../plan/plan-store.js';
import type { AgentRunning } from '../../runtime/agent-container.js';
import { agentStatus, ensureAgent, stopAgent } from '../../runtime/agent-service.js';
import { connectRuntime } from '../../runtime/connect-runtime.js';
import { listenPort } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

interface AgentOptions {
  config?: string;
  plan?: string;
  metricsPort?: number;
}

function describe(agent: AgentRunning | undefined): string {
  if (!agent) return 'the ops agent is not running (start it with `ops agent start` or `ops up`)';
  if (agent.mode === 'process') return `the ops agent runs as host process ${agent.pid}; log ${agent.log}`;
  const health = agent.state !== 'running' ? agent.state : agent.healthy ? 'healthy' : 'starting';
  return `the ops agent runs in container ${agent.container} (${health}, restarts with Docker); metrics ${agent.url}/metrics; log ${agent.log}`;
}

/**
 * `ops agent`: the agent in the foreground (samples power, probes, writes the ledger, serves /metrics), and
 * `ops agent start|stop|status` for the one `ops up` keeps running in its container (runtime/agent-service.ts).
 */
export const registerAgentCommand: RegisterCommand = (program: Command, getContext) => {
  const agent = program
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
      await runAgent({
        state: context.state,
        bus: context.bus,
        ...(options.config ? { configFile: options.config } : {}),
        ...(options.plan ? { planFile: options.plan } : {}),
        ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
        signal: stopSignal(),
      });
    });

  agent
    .command('start')
    .description(
      'run the agent for the current Plan in its container (restarted with Docker after a reboot); what `ops up` does',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const context = getContext();
      const planFile = planFileToUse(context.state, undefined);
      if (!planFile)
        throw new OpsError('there is no current Plan for the agent to probe', {
          hint: 'bring one up first with `ops up --plan FILE`',
          exitCode: 2,
        });
      const { deployment } = planFootprint(readPlanDocument(planFile));
      const runtime = await connectRuntime();
      const gpus = await detectGpuIndexes();
      const running = await ensureAgent(deployment, {
        state: context.state,
        runtime,
        bus: context.bus,
        gpus,
      });
      context.output(describe(running), running, options.json ?? false);
    });

  agent
    .command('stop')
    .description('stop the agent (its container, or a host process); power and probes are no longer recorded')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const context = getContext();
      const runtime = await connectRuntime();
      const stopped = await stopAgent(context.state, runtime, context.bus);
      context.output(
        stopped.length ? `stopped ${stopped.join(', ')}` : 'the ops agent was not running',
        { stopped },
        options.json ?? false,
      );
    });

  agent
    .command('status')
    .description(
      'say how the agent runs (container or host process), whether its /metrics answers, and its log',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      const context = getContext();
      const runtime = await connectRuntime();
      const running = await agentStatus(context.state, runtime);
      context.output(describe(running), running ?? { mode: 'none' }, options.json ?? false);
    });
};
