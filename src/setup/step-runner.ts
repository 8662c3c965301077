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
  /** What the user must do by hand (enrol a Secure Boot key at the next boot, …), one line per step. */
  manual: string[];
}

/**
 * Runs the provisioning steps for real, in order: checks each against fresh facts, applies the pending ones, checks
 * again and runs the verification. A failing command stops everything with its output (CommandError); an applied
 * step whose check still fails stops too, unless only a reboot is missing (then the outcome says so).
 */
export async function runProvisioning(run: RunProvisioningOptions): Promise<ProvisionOutcome> {
  const { shell, bus, options } = run;
  const steps = run.steps ?? PROVISION_STEPS;
  const outcome: ProvisionOutcome = { steps: [], manual: [] };
  let facts = await run.probe();
  // Refusals (a pin no package matches, …) stop everything before the first change.
  const refused = decideSteps(facts, options, steps).filter((d) => d.status === 'refused');
  if (refused.length > 0) {
    for (const d of refused)
      bus.emit({ kind: 'provision:step', step: d.step.id, status: 'refused', detail: d.detail });
    throw new OpsError(
      `provisioning refused before changing anything: ${refused.map((d) => `${d.step.id}: ${d.detail}`).join('; ')}`,
      { exitCode: 2, hint: refused.map((d) => `${d.step.manual} (${d.step.doc})`).join('\n') },
    );
  }
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
    if (decision.status === 'refused') {
      bus.emit({ kind: 'provision:step', step: step.id, status: 'refused', detail: decision.detail });
      throw new OpsError(`${step.title}: ${decision.detail}`, {
        exitCode: 2,
        hint: `${step.manual} (${step.doc})`,
      });
    }
    if (decision.status !== 'pending') {
      bus.emit({ kind: 'provision:step', step: step.id, status: decision.status, detail: decision.detail });
      outcome.steps.push({ id: step.id, status: decision.status, detail: decision.detail, applied: false });
      if (decision.status === 'manual') outcome.manual.push(`${step.id}: ${decision.detail}`);
      continue;
    }
    const started = performance.now();
    bus.emit({ kind: 'step:start', step: `provision ${step.id}`, detail: decision.detail });
    for (const command of decision.commands) await runOrThrow(shell, command, step, bus);
    facts = await run.probe();
    const [after] = decideSteps(facts, options, [step]);
    if (after?.status === 'pending') {
      if (step.mayNeedReboot) {
        const first = outcome.manual.length ? ` First: ${outcome.manual.join(' ')}` : '';
        const how = after.fix ? ` (${after.fix})` : '';
        const reason = `${step.title}: installed, but ${after.detail}${how}; reboot, then run ops setup again to go on.${first}`;
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
    if (after?.status === 'manual') {
      // Applied as far as ops can; the rest needs the user (e.g. enrolling a Secure Boot key at the next boot).
      bus.emit({ kind: 'provision:step', step: step.id, status: 'manual', detail });
      outcome.steps.push({ id: step.id, status: 'manual', detail, applied: true });
      outcome.manual.push(`${step.id}: ${detail}`);
      continue;
    }
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
