import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventBus } from '../core/events.js';
import { startDetached } from '../core/process-runner.js';
import type { StateDir } from '../core/state-dir.js';

// The agent as a host process: the fallback where the agent image is not built (runtime/agent-service.ts). Kept
// apart from the container's lifecycle so that reading it (`ops status`, the egress check) loads nothing else.

const OPS_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'ops.js');

/** What the pid file records about an agent running as a host process (the fallback without the agent image). */
export interface AgentProcess {
  pid: number;
  startedAt: string;
  /** Hash of the Plan text the agent read at start: a changed Plan (new targets) restarts it. */
  planHash: string;
  log: string;
}

export function agentPaths(state: StateDir): { pidFile: string; log: string } {
  return { pidFile: join(state.root, 'agent.json'), log: join(state.logsDir, 'agent.log') };
}

/** The agent running as a host process, or undefined (no pid file, a dead pid, or a pid now another program's). */
export function runningAgent(state: StateDir): AgentProcess | undefined {
  const { pidFile } = agentPaths(state);
  if (!existsSync(pidFile)) return undefined;
  try {
    const info = JSON.parse(readFileSync(pidFile, 'utf8')) as AgentProcess;
    process.kill(info.pid, 0);
    // A recycled pid belongs to something else: the agent's command line names ops and `agent`.
    const cmdline = readFileSync(`/proc/${info.pid}/cmdline`, 'utf8');
    return cmdline.includes('ops.js') && cmdline.includes('agent') ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fallback: `ops agent` as a detached host process that outlives the command (its log in
 * `$OPS_HOME/logs/agent.log`, its pid in `$OPS_HOME/agent.json`). An agent already running for the same Plan is
 * left alone; one started for another Plan is restarted so it probes the new targets.
 */
export async function ensureHostAgent(
  state: StateDir,
  planText: string,
  bus: EventBus,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AgentProcess> {
  const planHash = createHash('sha256').update(planText).digest('hex').slice(0, 16);
  const current = runningAgent(state);
  if (current?.planHash === planHash) {
    bus.emit({ kind: 'step:skip', step: 'agent', reason: `already running (pid ${current.pid})` });
    return current;
  }
  if (current) await stopHostAgent(state, bus);
  const { pidFile, log } = agentPaths(state);
  const { pid } = await startDetached(process.execPath, [OPS_BIN, 'agent'], {
    env: { ...env, OPS_HOME: state.root },
    logFile: log,
  });
  const info: AgentProcess = { pid, startedAt: new Date().toISOString(), planHash, log };
  writeFileSync(pidFile, `${JSON.stringify(info)}\n`);
  // A bad config or a held ledger makes it exit at once: say so now rather than leave a dead pid file.
  await new Promise((r) => setTimeout(r, 1500));
  if (!runningAgent(state)) {
    rmSync(pidFile, { force: true });
    const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    bus.emit({
      kind: 'log',
      level: 'warn',
      message: `the ops agent exited at start; uptime and power are not recorded:\n${tail}`,
    });
    return info;
  }
  bus.emit({ kind: 'step:done', step: 'agent', detail: `pid ${info.pid}, log ${log}`, durationMs: 1500 });
  return info;
}

/** Stops the host-process agent (SIGTERM, so it flushes and closes the ledger; SIGKILL after 10 s). True when one ran. */
export async function stopHostAgent(state: StateDir, bus: EventBus): Promise<boolean> {
  const agent = runningAgent(state);
  rmSync(agentPaths(state).pidFile, { force: true });
  if (!agent) return false;
  // It may exit on its own between the check and the signal (ESRCH): that is stopped too.
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(agent.pid, name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(agent.pid, 0);
    } catch {
      bus.emit({ kind: 'log', level: 'info', message: `stopped the ops agent (pid ${agent.pid})` });
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  signal('SIGKILL');
  return true;
}
