import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { LABEL } from '../core/labels.js';
import type { StateDir } from '../core/state-dir.js';
import { readPlan } from '../plan/load-plan.js';
import { planFileToUse } from '../plan/plan-store.js';
import type { Plan } from '../plan/types.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { runningAgent } from '../runtime/host-agent-process.js';
import type { DoctorCheck } from '../setup/doctor-checks.js';
import {
  describeLeaving,
  type LeavingSocket,
  leavingSockets,
  type WatchedProcess,
} from './process-sockets.js';

/** The processes ops runs: every process of its running containers (by label; one deployment's if named) and the agent. */
export async function opsProcesses(
  state: StateDir,
  runtime?: Pick<ContainerRuntime, 'list' | 'processes'>,
  deployment?: string,
): Promise<WatchedProcess[]> {
  const out: WatchedProcess[] = [];
  if (runtime) {
    const labels = { [LABEL.managed]: 'true', ...(deployment ? { [LABEL.deployment]: deployment } : {}) };
    for (const c of await runtime.list(labels)) {
      if (c.state !== 'running') continue;
      const owner = `${c.labels[LABEL.role] ?? 'container'} ${c.labels[LABEL.name] ?? c.name}`;
      for (const pid of await runtime.processes(c.id)) out.push({ pid, owner });
    }
  }
  const agent = runningAgent(state);
  if (agent) out.push({ pid: agent.pid, owner: 'agent' });
  return out;
}

/**
 * `ops doctor`'s egress line (pure): what of ops's own processes holds a connection, or an attempt at one, beyond
 * loopback. Everything ops serves is on loopback (engines, gateway, monitoring, agent), so any such socket is either
 * the Plan's own way out (an external upstream, the cloud fallback) or something that should not be there.
 */
export function egressCheck(input: {
  sockets: readonly LeavingSocket[];
  watched: number;
  unreadable: readonly WatchedProcess[];
  /** Hosts the Plan itself sends traffic to (external upstreams, the cloud fallback). */
  planEgress: readonly string[];
}): DoctorCheck {
  const allowed = input.planEgress.length
    ? ` (the Plan sends traffic out on purpose to ${input.planEgress.join(', ')})`
    : '';
  const blind = input.unreadable.length
    ? `; could not read the sockets of ${input.unreadable.map((p) => `${p.owner} (pid ${p.pid})`).join(', ')}: run as root to see them`
    : '';
  if (input.watched === 0)
    return { id: 'egress', status: 'skip', detail: 'no ops process is running', fix: '' };
  if (input.sockets.length === 0) {
    return {
      id: 'egress',
      status: input.unreadable.length ? 'warn' : 'ok',
      detail: `none of ${input.watched} ops process(es) holds or attempts a connection beyond loopback${allowed}${blind}`,
      fix: input.unreadable.length ? 'run `sudo ops doctor`' : '',
    };
  }
  return {
    id: 'egress',
    status: 'warn',
    detail: `tried to leave: ${input.sockets.map(describeLeaving).join('; ')}${allowed}${blind}`,
    fix: input.planEgress.length
      ? "connections to the Plan's external upstreams or cloud fallback are expected; anything else: check that process's configuration (proxy, update checks, telemetry) and keep the box without a route out"
      : "nothing in the Plan should leave the machine: check that process's configuration (proxy, update checks, telemetry) and keep the box without a route out",
  };
}

/** Hosts a Plan names as destinations beyond the machine: external upstreams' base URLs and the cloud fallback. */
export function planEgressHosts(
  engines: readonly { engine: string; baseUrl?: string }[],
  cloud?: { mode: string; baseUrl?: string },
): string[] {
  const hosts = new Set<string>();
  for (const e of engines) {
    if (e.engine !== 'external' || !e.baseUrl) continue;
    const host = new URL(e.baseUrl).hostname;
    if (!isLoopbackName(host)) hosts.add(host);
  }
  if (cloud && cloud.mode !== 'local-only')
    hosts.add(cloud.baseUrl ? new URL(cloud.baseUrl).hostname : 'the Anthropic API');
  return [...hosts];
}

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]' || host === '::1';
}

/** True when /etc/hosts names `hostname` (pure): then looking it up never asks a DNS server. */
export function hostsFileNames(hostname: string, hostsText: string): boolean {
  const wanted = hostname.toLowerCase();
  return hostsText.split('\n').some((line) => {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    return fields.length > 1 && fields.slice(1).some((n) => n.toLowerCase() === wanted);
  });
}

/**
 * Prometheus looks its own host name up at every config load (scrape manager's getFqdn, prometheus#5366), and its
 * container shares the host's /etc/hosts: a name missing there becomes a DNS query, found by the zero-egress test.
 */
export function hostnameCheck(hostname: string, hostsText: string): DoctorCheck | undefined {
  if (hostsFileNames(hostname, hostsText)) return undefined;
  return {
    id: 'egress',
    status: 'warn',
    detail: `this host's name ${hostname} is not in /etc/hosts: Prometheus looks it up at every config load, which asks the DNS server`,
    fix: `add \`127.0.1.1 ${hostname}\` to /etc/hosts (as Debian's installer does)`,
  };
}

/** Gathers and judges: the egress line for `ops doctor` (the current Plan, if any, says where it may go). */
export async function runEgressCheck(
  state: StateDir,
  runtime: Pick<ContainerRuntime, 'list' | 'processes'> | undefined,
): Promise<DoctorCheck> {
  const file = planFileToUse(state, undefined);
  let plan: Plan | undefined;
  try {
    // Only its destinations matter here: a Plan written for other hardware still says where it sends traffic.
    plan = file ? readPlan(file).plan : undefined;
  } catch {
    plan = undefined; // the plan check reports an unreadable Plan
  }
  const processes = await opsProcesses(state, runtime);
  const { sockets, unreadable } = leavingSockets(processes);
  const byName = hostnameCheck(hostname(), readHosts());
  const check = egressCheck({
    sockets,
    watched: processes.length,
    unreadable,
    planEgress: plan ? planEgressHosts(plan.engines, plan.gateway?.cloud) : [],
  });
  if (!byName || check.status === 'warn') return check;
  return { ...byName, detail: `${check.detail}; but ${byName.detail}` };
}

function readHosts(): string {
  try {
    return readFileSync('/etc/hosts', 'utf8');
  } catch {
    return '';
  }
}
