import type { StateDir } from '../core/state-dir.js';
import { readPlan } from '../plan/load-plan.js';
import { planFileToUse } from '../plan/plan-store.js';
import { agentStatus } from '../runtime/agent-service.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { DoctorCheck } from './doctor-checks.js';

/**
 * `ops doctor`'s agent line: the agent (power, probes, usage into the ledger) runs for a Plan with monitoring, in its
 * container so that it comes back after a reboot. A host process works until the next reboot, and an agent that
 * does not run loses records but not service: warnings, not failures.
 */
export async function agentCheck(
  state: StateDir,
  runtime: ContainerRuntime | undefined,
): Promise<DoctorCheck> {
  const file = planFileToUse(state, undefined);
  let monitored = false;
  try {
    monitored = file ? readPlan(file).plan.monitoring?.enabled === true : false;
  } catch {
    // An unreadable Plan is the plan check's line.
  }
  if (!monitored)
    return { id: 'agent', status: 'skip', detail: 'the current Plan has no monitoring section', fix: '' };
  const agent = await agentStatus(state, runtime);
  if (!agent)
    return {
      id: 'agent',
      status: 'warn',
      detail: 'not running: no power, uptime or usage is recorded for ops report',
      fix: 'ops agent start (or ops up)',
    };
  if (agent.mode === 'process')
    return {
      id: 'agent',
      status: 'warn',
      detail: `runs as host process ${agent.pid}: nothing starts it again after a reboot`,
      fix: 'ops images build agent, then ops agent start',
    };
  if (agent.state === 'running' && agent.healthy)
    return {
      id: 'agent',
      status: 'ok',
      detail: `container ${agent.container} (restarted with Docker), ${agent.url}/metrics answers`,
      fix: '',
    };
  return {
    id: 'agent',
    status: 'warn',
    detail: `container ${agent.container} is ${agent.state}${agent.state === 'running' ? ', /metrics does not answer' : ''}`,
    fix: `docker logs ${agent.container} (or ${agent.log}), then ops agent start`,
  };
}
