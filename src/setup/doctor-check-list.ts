import type { StateDir } from '../core/state-dir.js';
import { runEgressCheck } from '../egress/egress-check.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { agentCheck } from './doctor-agent-check.js';
import {
  clockCheck,
  type DoctorCheck,
  deploymentChecks,
  diskCheck,
  gpuContainerCheck,
  hostChecks,
  ledgerCheck,
} from './doctor-checks.js';
import { engineCudaCheck } from './doctor-cuda-check.js';
import type { HostFacts } from './host-facts.js';
import type { ProvisionOptions } from './provision-types.js';
import type { Shell } from './shell.js';

/** What every doctor check may read; each check takes what it needs. */
export interface DoctorContext {
  state: StateDir;
  shell: Shell;
  facts: HostFacts;
  options: ProvisionOptions;
  /** Absent when the Docker daemon does not answer. */
  runtime?: ContainerRuntime;
}

/** One group of `ops doctor` lines. */
export type DoctorCheckGroup = (ctx: DoctorContext) => Promise<DoctorCheck[]> | DoctorCheck[];

/**
 * The checks `ops doctor` runs, in the order it prints them. To add one, write it in its own file as a
 * DoctorCheckGroup and put it in this list.
 */
export const DOCTOR_CHECKS: readonly DoctorCheckGroup[] = [
  (ctx) => hostChecks(ctx.facts, ctx.options),
  async (ctx) => [await gpuContainerCheck(ctx.facts, ctx.shell, 'ops/llama.cpp:cpu')],
  (ctx) => engineCudaCheck(ctx),
  (ctx) => [diskCheck(ctx.state)],
  (ctx) => deploymentChecks(ctx.state, ctx.runtime),
  async (ctx) => [await agentCheck(ctx.state, ctx.runtime)],
  async (ctx) => [await clockCheck(ctx.shell)],
  (ctx) => [ledgerCheck(ctx.state)],
  async (ctx) => [await runEgressCheck(ctx.state, ctx.runtime)],
];

/** Runs every check group in order. */
export async function runDoctorChecks(
  ctx: DoctorContext,
  groups: readonly DoctorCheckGroup[] = DOCTOR_CHECKS,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const group of groups) checks.push(...(await group(ctx)));
  return checks;
}
