import { accessSync, constants, existsSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LABEL } from '../core/labels.js';
import type { StateDir } from '../core/state-dir.js';
import { httpRequest } from '../http/http-client.js';
import { ledgerPath } from '../ledger/ledger.js';
import { readPlan } from '../plan/load-plan.js';
import { planFileToUse } from '../plan/plan-store.js';
import { isContainerEntry, type Plan } from '../plan/types.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { deploymentStatus } from '../runtime/deployment-status.js';
import { isPortFree } from '../runtime/port-check.js';
import { decideSteps } from './decide-steps.js';
import { SUPPORTED_DISTROS } from './distro.js';
import { gpuCount, type HostFacts } from './host-facts.js';
import { KERNEL_MODULES_DOC } from './nvidia-repo.js';
import type { ProvisionOptions, StepDecision } from './provision-types.js';
import type { Shell } from './shell.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of `ops doctor`: what was checked, what was found, and how to fix it. */
export interface DoctorCheck {
  id: string;
  status: CheckStatus;
  detail: string;
  fix: string;
}

/** Steps whose absence breaks the stack (fail) rather than only risks it (warn). */
const REQUIRED_STEPS = new Set([
  'nvidia-driver',
  'kernel-module',
  'container-toolkit',
  'docker-engine',
  'docker-daemon',
  'docker-nvidia-runtime',
]);
const GiB = 1024 ** 3;
/** Below this the store cannot take even a small quantized model (a 7B Q4_K_M is ~4.7 GB). */
const DISK_FAIL_BYTES = 2 * GiB;
const DISK_WARN_BYTES = 20 * GiB;

/** The host steps' own checks, as doctor lines (pure): the same rules setup applies by. */
export function hostChecks(facts: HostFacts, options: ProvisionOptions): DoctorCheck[] {
  const checks: DoctorCheck[] = [
    facts.distro.key
      ? { id: 'distro', status: 'ok', detail: facts.distro.pretty, fix: '' }
      : {
          id: 'distro',
          status: 'warn',
          detail: `${facts.distro.pretty}: ops has no install commands for it`,
          fix: `install the missing parts by hand (see each failing check); supported: ${SUPPORTED_DISTROS.join(', ')}`,
        },
  ];
  if (gpuCount(facts) > 0) {
    checks.push(
      options.driver.flavour
        ? { id: 'driver-flavour', status: 'ok', detail: options.driver.reason, fix: '' }
        : {
            id: 'driver-flavour',
            status: 'fail',
            detail: options.driver.reason,
            fix: `see ${KERNEL_MODULES_DOC}`,
          },
    );
  }
  for (const d of decideSteps(facts, options)) {
    if (d.step.id === 'prerequisites') continue;
    checks.push(fromDecision(d));
  }
  if (facts.rebootRequired)
    checks.push({
      id: 'reboot',
      status: 'warn',
      detail: 'the system asks for a reboot (/var/run/reboot-required)',
      fix: 'reboot when convenient',
    });
  return checks;
}

function fromDecision(d: StepDecision): DoctorCheck {
  const fix = d.fix ?? `ops setup applies it (${d.step.manual}; ${d.step.doc})`;
  switch (d.status) {
    case 'satisfied':
    case 'kept':
      return d.concern
        ? { id: d.step.id, status: 'warn', detail: d.detail, fix: d.concern }
        : { id: d.step.id, status: 'ok', detail: d.detail, fix: '' };
    case 'not-applicable':
      return d.concern
        ? { id: d.step.id, status: 'warn', detail: d.detail, fix: d.concern }
        : { id: d.step.id, status: 'skip', detail: d.detail, fix: '' };
    case 'refused':
      return { id: d.step.id, status: 'fail', detail: d.detail, fix: `${d.step.manual} (${d.step.doc})` };
    case 'manual':
      return {
        id: d.step.id,
        status: REQUIRED_STEPS.has(d.step.id) ? 'fail' : 'warn',
        detail: d.detail,
        fix: d.step.manual,
      };
    case 'unsupported':
      return { id: d.step.id, status: 'fail', detail: d.detail, fix: d.step.manual };
    default:
      return {
        id: d.step.id,
        status: REQUIRED_STEPS.has(d.step.id) ? 'fail' : 'warn',
        detail: d.detail,
        fix,
      };
  }
}

/** A container with `--gpus all` sees the GPUs (runs only where there are GPUs and Docker answers). */
export async function gpuContainerCheck(facts: HostFacts, shell: Shell, image: string): Promise<DoctorCheck> {
  const id = 'gpu-in-containers';
  if (gpuCount(facts) === 0) return { id, status: 'skip', detail: 'no NVIDIA GPU (cpu-only)', fix: '' };
  if (!facts.dockerServer)
    return { id, status: 'skip', detail: 'Docker does not answer', fix: 'see the docker checks' };
  const r = await shell.run(`docker run --rm --gpus all --entrypoint nvidia-smi ${image} -L`);
  if (r.exitCode === 0) return { id, status: 'ok', detail: r.stdout.trim().split('\n').join('; '), fix: '' };
  const nvml = /Failed to initialize NVML/.test(r.stdout + r.stderr);
  return {
    id,
    status: 'fail',
    detail: (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' '),
    fix: nvml
      ? 'containers lost the GPU (systemctl daemon-reload?): recreate them with ops down && ops up, then let ops setup apply the nvml-daemon-reload step'
      : 'run ops setup (toolkit and nvidia-ctk runtime configure), then restart Docker',
  };
}

/** Free space where the model store lives. */
export function diskCheck(state: Pick<StateDir, 'root'>): DoctorCheck {
  const s = statfsSync(state.root);
  const free = s.bavail * s.bsize;
  const detail = `${(free / GiB).toFixed(1)} GiB free at ${state.root}`;
  if (free < DISK_FAIL_BYTES)
    return { id: 'disk-space', status: 'fail', detail, fix: 'free space or point OPS_HOME at a bigger disk' };
  if (free < DISK_WARN_BYTES)
    return {
      id: 'disk-space',
      status: 'warn',
      detail,
      fix: 'hub models need 5–40 GiB each; free space or move OPS_HOME',
    };
  return { id: 'disk-space', status: 'ok', detail, fix: '' };
}

/** The ledger (and its directory) can be written. */
export function ledgerCheck(state: Pick<StateDir, 'root'>): DoctorCheck {
  const file = ledgerPath(state);
  try {
    if (existsSync(file)) accessSync(file, constants.W_OK);
    const probe = join(state.root, `.doctor-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    return { id: 'ledger', status: 'ok', detail: `${file} writable`, fix: '' };
  } catch (error) {
    return {
      id: 'ledger',
      status: 'fail',
      detail: `${file}: ${(error as Error).message}`,
      fix: `make ${state.root} writable by this user (or set OPS_HOME)`,
    };
  }
}

/** The clock: a year before this code was written means a dead RTC battery; NTP state where systemd reports it. */
export async function clockCheck(shell: Shell, now: Date = new Date()): Promise<DoctorCheck> {
  if (now.getUTCFullYear() < 2025)
    return {
      id: 'clock',
      status: 'fail',
      detail: `the clock says ${now.toISOString()}`,
      fix: 'set the time (timedatectl set-time, or an NTP server)',
    };
  const r = await shell.run('timedatectl show -p NTPSynchronized --value 2>/dev/null');
  const synced = r.stdout.trim();
  if (synced === 'no')
    return {
      id: 'clock',
      status: 'warn',
      detail: `${now.toISOString()}, not NTP-synchronised`,
      fix: 'enable time sync (timedatectl set-ntp true, or a local NTP server on air-gapped sites): the monthly report counts samples by time',
    };
  return {
    id: 'clock',
    status: 'ok',
    detail: `${now.toISOString()}${synced === 'yes' ? ', NTP-synchronised' : ''}`,
    fix: '',
  };
}

/** The current Plan's ports, engines and gateway: each port free or held by this deployment, all healthy. */
export async function deploymentChecks(
  state: StateDir,
  runtime: ContainerRuntime | undefined,
): Promise<DoctorCheck[]> {
  const file = planFileToUse(state, undefined);
  if (!file)
    return [
      {
        id: 'engines',
        status: 'skip',
        detail: 'no current Plan',
        fix: 'run ops setup (or ops up --plan FILE)',
      },
    ];
  let plan: Plan;
  try {
    plan = readPlan(file).plan;
  } catch (error) {
    return [
      {
        id: 'plan',
        status: 'fail',
        detail: (error as Error).message.split('\n')[0] ?? '',
        fix: `fix ${file} or run ops setup again`,
      },
    ];
  }
  if (!runtime)
    return [
      { id: 'engines', status: 'skip', detail: 'Docker does not answer', fix: 'see the docker checks' },
    ];
  const own = new Set<number>();
  for (const c of await runtime.list({ [LABEL.managed]: 'true', [LABEL.deployment]: plan.deployment })) {
    for (const p of c.hostPorts) own.add(p);
    const labelled = Number(/:(\d+)$/.exec(c.labels[LABEL.url] ?? '')?.[1]);
    if (labelled) own.add(labelled);
  }
  const ports = [
    ...plan.engines.filter(isContainerEntry).map((e) => ({ port: e.port, host: e.host, who: e.name })),
    ...(plan.gateway?.enabled ? [{ port: plan.gateway.port, host: plan.gateway.host, who: 'gateway' }] : []),
  ];
  const clashes: string[] = [];
  for (const p of ports) {
    if (own.has(p.port)) continue;
    if (!(await isPortFree(p.port, p.host === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1')))
      clashes.push(`${p.port} (${p.who})`);
  }
  const checks: DoctorCheck[] = [
    clashes.length
      ? {
          id: 'ports',
          status: 'fail',
          detail: `held by something else: ${clashes.join(', ')}`,
          fix: 'stop what holds them, or change the ports (ops setup --gateway-port/--port-base)',
        }
      : {
          id: 'ports',
          status: 'ok',
          detail: `${ports.map((p) => p.port).join(', ')} free or held by ${plan.deployment}`,
          fix: '',
        },
  ];
  const status = await deploymentStatus(plan.deployment, runtime, plan);
  const bad = status.engines.filter((e) => e.state !== 'healthy');
  checks.push(
    bad.length
      ? {
          id: 'engines',
          status: 'fail',
          detail: bad.map((e) => `${e.name} ${e.state}`).join(', '),
          fix: 'ops up (starts what is missing), ops logs <engine> for why one fails',
        }
      : {
          id: 'engines',
          status: 'ok',
          detail: `${status.engines.length} healthy in ${plan.deployment}`,
          fix: '',
        },
  );
  if (plan.gateway?.enabled) {
    const url = status.gateway?.url ?? `http://127.0.0.1:${plan.gateway.port}`;
    const reachable = await httpRequest(`${url}/`, { timeoutMs: 3000, retry: 'none' })
      .then(async (r) => {
        await r.dump();
        return r.ok;
      })
      .catch(() => false);
    checks.push(
      reachable
        ? { id: 'gateway', status: 'ok', detail: `${url} answers`, fix: '' }
        : {
            id: 'gateway',
            status: 'fail',
            detail: `${url} does not answer`,
            fix: 'ops up, then ops logs gateway',
          },
    );
  }
  return checks;
}
