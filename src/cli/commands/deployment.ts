import type { Command } from 'commander';
import { formatMs } from '../../core/console-reporter.js';
import { OpsError } from '../../core/errors.js';
import { LABEL } from '../../core/labels.js';
import { planFootprint, readPlan, readPlanDocument } from '../../plan/load-plan.js';
import { planFileToUse } from '../../plan/plan-store.js';
import type { AgentRunning } from '../../runtime/agent-container.js';
import { connectRuntime } from '../../runtime/connect-runtime.js';
import { type DeploymentStatus, deploymentStatus } from '../../runtime/deployment-status.js';
import { runningAgent, stopHostAgent } from '../../runtime/host-agent-process.js';
import type { CliContext } from '../context.js';
import { positiveInteger } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

const planHelp = 'Plan file (YAML); default: the current Plan in $OPS_HOME/plan.yaml';

// `up`, `down` and `logs` load the deployer, the engine adapters, the model store and monitoring when they run:
// `ops status`, the command people type most, loads only what reading needs (a Plan, one list call, probes).
const deployer = () => import('../../runtime/deployer.js');

async function runtime() {
  return await connectRuntime();
}

/** The status table a person reads, with the lines to point Claude Code at the gateway when there is one. */
function statusLines(status: DeploymentStatus, agent?: AgentRunning): string[] {
  if (status.engines.length === 0 && !status.gateway) return ['  no engines (run `ops up --plan FILE`)'];
  const row = (name: string, kind: string, state: string, url: string) =>
    `  ${name.padEnd(20)} ${kind.padEnd(10)} ${state.padEnd(10)} ${url}`;
  const lines = status.engines.map((e) => row(e.name, e.engine, e.state, e.url));
  if (status.gateway) lines.push(row('gateway', 'gateway', status.gateway.state, status.gateway.url));
  for (const m of status.monitoring) lines.push(row(m.name, 'monitoring', m.state, m.url));
  if (agent) lines.push(agentRow(agent, row));
  if (status.gateway) {
    const g = status.gateway;
    lines.push(
      '',
      'Point Claude Code at it:',
      `  export ANTHROPIC_BASE_URL=${g.url}`,
      `  export ANTHROPIC_AUTH_TOKEN=${process.env.OPS_GATEWAY_API_KEYS ? '<one of OPS_GATEWAY_API_KEYS>' : 'local'}`,
      `OpenAI clients: base URL ${g.url}/v1`,
    );
  }
  return lines;
}

/** The agent's status line: its container's state and /metrics, or the host process's pid. */
function agentRow(agent: AgentRunning, row: (n: string, k: string, s: string, u: string) => string): string {
  if (agent.mode === 'process')
    return row('agent', 'agent', 'running', `pid ${agent.pid} (host process), log ${agent.log}`);
  const state = agent.state !== 'running' ? agent.state : agent.healthy ? 'healthy' : 'starting';
  return row('agent', 'agent', state, `${agent.url}/metrics, log ${agent.log}`);
}

function deploymentName(ctx: CliContext, explicit: string | undefined): string {
  if (explicit) return explicit;
  const path = planFileToUse(ctx.state, undefined);
  if (!path) return 'default';
  try {
    return planFootprint(readPlanDocument(path)).deployment;
  } catch {
    return 'default';
  }
}

export const registerDeploymentCommands: RegisterCommand = (program: Command, getContext) => {
  program
    .command('up')
    .description(
      'start (or update) the engines of a Plan: idempotent, replaces only what changed, waits for health',
    )
    .option('-p, --plan <file>', planHelp)
    .option(
      '--pull',
      'fetch the hub models the Plan names that are not in the store yet (ops models pull each), then start',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: { plan?: string; pull?: boolean; json?: boolean }) => {
      const ctx = getContext();
      const rt = await runtime();
      const { loadPlanForHost } = await import('../../runtime/load-plan-for-host.js');
      const { bringUp } = await import('../../runtime/bring-up.js');
      const plan = await loadPlanForHost(ctx, opts.plan, rt, { pull: opts.pull ?? false });
      const started = performance.now();
      const { up: result, agent } = await bringUp(plan, { state: ctx.state, runtime: rt, bus: ctx.bus });
      const status = await deploymentStatus(plan.deployment, rt, plan);
      ctx.output(
        `deployment ${plan.deployment} is up (${formatMs(performance.now() - started)}):\n${statusLines(status, agent).join('\n')}`,
        {
          ...result,
          engines: status.engines,
          ...(status.gateway ? { gateway: status.gateway } : {}),
          monitoring: status.monitoring,
          ...(agent ? { agent } : {}),
        },
        opts.json ?? false,
      );
    });

  program
    .command('down')
    .description('stop and remove every container of the deployment (by label; nothing else is touched)')
    .option('-d, --deployment <name>', "deployment name; default: the current Plan's")
    .option('--json', 'print the result as JSON')
    .action(async (opts: { deployment?: string; json?: boolean }) => {
      const ctx = getContext();
      const deployment = deploymentName(ctx, opts.deployment);
      // The agent's container carries the deployment's labels and goes with it.
      const removed = await (await deployer()).deployDown(deployment, await runtime(), ctx.bus);
      // An agent left as a host process (the fallback, or an older ops) serves the current Plan's deployment.
      const current = planFileToUse(ctx.state, undefined);
      if (current && planFootprint(readPlanDocument(current)).deployment === deployment) {
        if (await stopHostAgent(ctx.state, ctx.bus)) removed.push('ops agent (host process)');
      }
      ctx.output(
        removed.length
          ? `removed from ${deployment}: ${removed.join(', ')}`
          : `nothing of ${deployment} was running`,
        { deployment, removed },
        opts.json ?? false,
      );
    });

  program
    .command('status')
    .description('show the engines, gateway, monitoring and agent of the deployment, their health and URLs')
    .option('-d, --deployment <name>', "deployment name; default: the current Plan's")
    .option('--json', 'print the status as JSON')
    .action(async (opts: { deployment?: string; json?: boolean }) => {
      const ctx = getContext();
      const deployment = deploymentName(ctx, opts.deployment);
      const path = planFileToUse(ctx.state, undefined);
      const plan = path ? readPlan(path).plan : undefined;
      const status = await deploymentStatus(
        deployment,
        await runtime(),
        plan?.deployment === deployment ? plan : undefined,
      );
      // The agent runs in the deployment's container, or (the fallback) as a host process for the current Plan.
      const hostAgent = plan?.deployment === deployment ? runningAgent(ctx.state) : undefined;
      const agent: AgentRunning | undefined =
        status.agent ?? (hostAgent ? { mode: 'process', pid: hostAgent.pid, log: hostAgent.log } : undefined);
      ctx.output(
        `deployment ${deployment}:\n${statusLines(status, agent).join('\n')}`,
        { ...status, ...(agent ? { agent } : {}) },
        opts.json ?? false,
      );
    });

  program
    .command('logs')
    .description("print an engine's log")
    .argument('<name>', 'engine name from the Plan')
    .option('-d, --deployment <name>', "deployment name; default: the current Plan's")
    .option('-n, --tail <lines>', 'number of lines from the end', positiveInteger, 200)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .action(async (name: string, opts: { deployment?: string; tail: number; follow?: boolean }) => {
      const ctx = getContext();
      const deployment = deploymentName(ctx, opts.deployment);
      const rt = await runtime();
      const { deploymentEngineLabels } = await deployer();
      const found = (await rt.list(deploymentEngineLabels(deployment))).filter(
        (c) => c.labels[LABEL.name] === name,
      );
      const container = found[0];
      if (!container) {
        const names = (await rt.list(deploymentEngineLabels(deployment))).map((c) => c.labels[LABEL.name]);
        throw new OpsError(`no engine named ${name} in deployment ${deployment}`, {
          hint: names.length ? `engines: ${names.join(', ')}` : 'nothing is running; start it with `ops up`',
        });
      }
      if (opts.follow) {
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        await rt.followLogs(container.id, opts.tail, process.stdout, abort.signal);
      } else {
        process.stdout.write(await rt.logs(container.id, opts.tail));
      }
    });
};
