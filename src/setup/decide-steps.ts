import { PROVISION_STATUS_MARK } from '../core/console-reporter.js';
import { SUPPORTED_DISTROS } from './distro.js';
import type { HostFacts } from './host-facts.js';
import { PROVISION_STEPS } from './provision-steps.js';
import type { ProvisionOptions, ProvisionStep, StepDecision } from './provision-types.js';

/**
 * What provisioning would do on a box (pure): every step's check against the facts, and for pending ones the
 * commands for the box's distro; on a distro ops has no commands for, pending steps become `unsupported` with the
 * by-hand instructions.
 */
export function decideSteps(
  facts: HostFacts,
  options: ProvisionOptions,
  steps: readonly ProvisionStep[] = PROVISION_STEPS,
): StepDecision[] {
  return steps.map((step) => {
    const check = step.check(facts, options);
    if (check.status !== 'pending') return { step, ...check, commands: [], verify: [] };
    const distro = facts.distro.key;
    if (!distro) {
      return {
        step,
        status: 'unsupported',
        detail: `${check.detail}; ${facts.distro.pretty} is not supported (${SUPPORTED_DISTROS.join(', ')} are): ${step.manual}`,
        commands: [],
        verify: [],
      };
    }
    const ctx = { distro, facts, options };
    return { step, ...check, commands: step.apply(ctx), verify: step.verify?.(ctx) ?? [] };
  });
}

/** The human listing of decisions: one line per step, and the commands under each pending one. */
export function formatDecisions(decisions: readonly StepDecision[], withCommands = true): string[] {
  const lines: string[] = [];
  decisions.forEach((d, i) => {
    lines.push(`  ${PROVISION_STATUS_MARK[d.status]} ${i + 1}. ${d.step.id} (${d.status}): ${d.detail}`);
    if (withCommands && d.status === 'pending') for (const c of d.commands) lines.push(`       $ ${c}`);
  });
  return lines;
}
