import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import type { SetupAnswers } from './answers.js';
import {
  defaultAnswers,
  loadSavedAnswers,
  mergeAnswers,
  type PartialAnswers,
  readAnswersFile,
  saveAnswers,
} from './answers.js';
import { askAnswers } from './ask-answers.js';
import { decideSteps, formatDecisions } from './decide-steps.js';
import { gatherMachine, type MachineSource } from './gather-setup.js';
import type { SetupPrompter } from './prompts.js';
import { provisionOptions } from './provision-options.js';
import { planForSetup } from './setup-plan.js';
import { answersHash, loadProgress, type SetupStage, setupFiles } from './setup-progress.js';
import { runStages, type SetupSummary } from './setup-stages.js';

export interface RunSetupOptions {
  state: StateDir;
  bus: EventBus;
  /** Absent: non-interactive (`--yes` or `--config`). */
  prompter?: SetupPrompter;
  configFile?: string;
  /** Answers given as flags (deployment name, ports); they win over everything. */
  overrides?: PartialAnswers;
  dryRun: boolean;
  machine: MachineSource;
  /** Stop after this stage (staged rollouts, tests of resuming). */
  until?: SetupStage;
  /** Where the human report goes (stdout). */
  print: (text: string) => void;
}

export type SetupResult =
  | {
      kind: 'dry-run';
      answers: SetupAnswers;
      profile: string;
      steps: { id: string; status: string; detail: string; commands: string[] }[];
      plan: Record<string, unknown>;
    }
  | { kind: 'declined'; answers: SetupAnswers }
  | ({ kind: 'done' } & SetupSummary);

/**
 * `ops setup`: detect and show the machine and profile → answers (asked, or from the saved file / --config /
 * defaults) → the Plan and the provisioning steps → on confirmation the stages, each recorded so a re-run resumes.
 */
export async function runSetup(options: RunSetupOptions): Promise<SetupResult> {
  const { bus, state, print } = options;
  const machine = await gatherMachine(options.machine, bus);
  if (machine.remote && !options.dryRun) {
    throw new OpsError(
      '--nvidia-smi-xml, --distro and --host-facts describe another machine: only with --dry-run',
      {
        hint: 'run ops setup on that machine itself to change it',
        exitCode: 2,
      },
    );
  }
  print(`${machine.summary}\n`);

  const files = setupFiles(state);
  const saved = machine.remote ? undefined : loadSavedAnswers(files.answers);
  const fromFile = options.configFile ? readAnswersFile(options.configFile) : undefined;
  let answers = mergeAnswers(defaultAnswers(machine.profile), saved, fromFile, options.overrides);
  if (options.prompter)
    answers = mergeAnswers(await askAnswers(options.prompter, answers), options.overrides);

  const header = [
    `Plan for ${machine.remote ? machine.inventory.source : 'this machine'} (profile ${machine.profile.id}): ${answers.contextTokens} tokens × ${answers.agents} agent(s), priority ${answers.priority}, cloud fallback ${answers.cloudFallback ? 'allowed' : 'off'}`,
  ];
  const plan = planForSetup({
    inventory: machine.inventory,
    profile: machine.profile,
    answers,
    state,
    header,
  });
  const decisions = decideSteps(machine.facts, provisionOptions(answers));
  print(
    `${plan.text}\n\nHost provisioning (${machine.facts.distro.pretty}):\n${formatDecisions(decisions, true).join('\n')}\n`,
  );
  if (plan.proposal.entries.length === 0) {
    throw new OpsError('nothing in the catalog fits this machine with these answers', {
      hint: plan.proposal.suggestions.join('\n') || 'try a shorter context or fewer agents',
      exitCode: 2,
    });
  }

  if (options.dryRun) {
    print('dry run: nothing was changed');
    return {
      kind: 'dry-run',
      answers,
      profile: machine.profile.id,
      steps: decisions.map((d) => ({
        id: d.step.id,
        status: d.status,
        detail: d.detail,
        commands: d.commands,
      })),
      plan: plan.document,
    };
  }
  saveAnswers(files.answers, answers);
  if (
    options.prompter &&
    !(await options.prompter.confirm('Provision this host and start the stack now?', true))
  ) {
    print(`nothing was changed; your answers are saved in ${files.answers} for the next run`);
    return { kind: 'declined', answers };
  }
  const progress = loadProgress(files, answersHash(answers));
  const summary = await runStages({
    state,
    bus,
    files,
    progress,
    answers,
    machine,
    plan,
    ...(options.until ? { until: options.until } : {}),
  });
  print(summary.text);
  return { kind: 'done', ...summary };
}
