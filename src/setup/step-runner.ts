import { CommandError, OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { decideSteps } from './decide-steps.js';
import type { HostFacts } from './host-facts.js';
import { PROVISION_STEPS } from './provision-steps.js';
import type { ProvisionOptions, ProvisionStep, StepDecision } from './provision-types.js';
import type { Shell } from './shell.js';

export interface RunProvisioningOptions {
  shell: Shell;
  /** Reads the box's facts (again after every applied step, since later checks depend on it). */
  probe: () => Promise<HostFacts>;
  options: ProvisionOptions;
  bus: EventBus;
  steps?: readonly ProvisionStep[];
}

export interface ProvisionOutcome {
  /** Each step as it ended up (a step that was applied reads `satisfied`, with applied: true). */
  steps: (Pick<StepDecision, 'status' | 'detail'> & { id: string; applied: boolean })[];
  /** Set when a step needs a reboot before the rest can go on; re-running setup after it resumes. */
  rebootRequired?: string;
}

/**
 * Runs the provisioning steps for real, in order: checks each against fresh facts, applies the pending ones, checks
 * again and runs the verification. A failing command stops everything with its output (CommandError); an applied
 * step whose check still fails stops too, unless only a reboot is missing (then the outcome says so).
 */
export async function runProvisioning(run: RunProvisioningOptions): Promise<ProvisionOutcome> {
  const { shell, bus, options } = run;
  const steps = run.steps ?? PROVISION_STEPS;
  const outcome: ProvisionOutcome = { steps: [] };
  let facts = await run.probe();
  for (const step of steps) {
    const [decision] = decideSteps(facts, options, [step]);
    if (!decision) continue;
    if (decision.status === 'unsupported') {
      bus.emit({ kind: 'provision:step', step: step.id, status: 'unsupported', detail: decision.detail });
      throw new OpsError(`${step.title}: no commands for ${facts.distro.pretty}`, {
        hint: `${step.manual}; then run ops setup again (finished steps are not repeated)`,
        exitCode: 2,
      });
    }
    if (decision.status !== 'pending') {
      bus.emit({ kind: 'provision:step', step: step.id, status: decision.status, detail: decision.detail });
      outcome.steps.push({ id: step.id, status: decision.status, detail: decision.detail, applied: false });
      continue;
    }
    const started = performance.now();
    bus.emit({ kind: 'step:start', step: `provision ${step.id}`, detail: decision.detail });
    for (const command of decision.commands) await runOrThrow(shell, command, step, bus);
    facts = await run.probe();
    const [after] = decideSteps(facts, options, [step]);
    if (after?.status === 'pending') {
      if (step.mayNeedReboot) {
        const reason = `${step.title}: installed, but ${after.detail}; reboot, then run ops setup again to go on`;
        bus.emit({ kind: 'step:fail', step: `provision ${step.id}`, error: reason });
        outcome.steps.push({ id: step.id, status: 'pending', detail: after.detail, applied: true });
        outcome.rebootRequired = reason;
        return outcome;
      }
      bus.emit({ kind: 'step:fail', step: `provision ${step.id}`, error: after.detail });
      throw new OpsError(`${step.title}: the commands ran but the check still fails: ${after.detail}`, {
        hint: `see ${step.doc}; ${step.manual}`,
      });
    }
    for (const command of decision.verify) await runOrThrow(shell, command, step, bus);
    const detail = after?.detail ?? decision.detail;
    bus.emit({
      kind: 'step:done',
      step: `provision ${step.id}`,
      detail,
      durationMs: performance.now() - started,
    });
    outcome.steps.push({ id: step.id, status: 'satisfied', detail, applied: true });
  }
  return outcome;
}

async function runOrThrow(shell: Shell, command: string, step: ProvisionStep, bus: EventBus): Promise<void> {
  bus.emit({ kind: 'log', level: 'debug', message: `${shell.where}$ ${command}` });
  const result = await shell.run(command);
  if (result.exitCode === 0) return;
  bus.emit({ kind: 'step:fail', step: `provision ${step.id}`, error: `exit ${result.exitCode}: ${command}` });
  throw new CommandError(
    command,
    { exitStatus: result.exitCode, stdout: result.stdout, stderr: result.stderr || result.stdout },
    {
      hint: `step ${step.id} failed on ${shell.where} (${step.doc}); fix the cause and run ops setup again: finished steps are checked, not repeated`,
    },
  );
}
