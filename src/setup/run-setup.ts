import { resolve } from 'node:path';
import { OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import type { CudaFit } from '../cuda-compat/check-image-cuda.js';
import { debianArch } from '../images/image-recipe.js';
import { connectRuntime } from '../runtime/connect-runtime.js';
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
import { driverUnderTest, engineCudaFits, formatCudaFits, gpuEngineImage } from './engine-cuda-fit.js';
import { gatherMachine, type Machine, type MachineSource } from './gather-setup.js';
import { gpuCount } from './host-facts.js';
import type { SetupPrompter } from './prompts.js';
import { provisionOptions } from './provision-options.js';
import type { ProvisionOptions } from './provision-types.js';
import {
  answersFromBundle,
  bundleMismatch,
  describeBundlePlan,
  openSetupBundle,
  type SetupBundle,
} from './setup-bundle.js';
import { planForSetup } from './setup-plan.js';
import { answersHash, loadProgress, type SetupStage, setupFiles } from './setup-progress.js';
import { runStages, type SetupSummary } from './setup-stages.js';

/** The distro line of the report, with the point release and kernel where the probe saw them. */
function hostLine(machine: Machine): string {
  const { facts } = machine;
  const extra = [
    facts.osVersion && !facts.distro.pretty.includes(facts.osVersion.split(' ')[0] ?? '')
      ? facts.osVersion
      : '',
    facts.kernel ? `kernel ${facts.kernel}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${facts.distro.pretty}${extra ? `, ${extra}` : ''}`;
}

/** The CUDA check of every GPU engine in the plan: read from the images through Docker on this box, else the table. */
async function planCudaFits(
  machine: Machine,
  options: ProvisionOptions,
  entries: { engine: string; image?: string | undefined }[],
): Promise<CudaFit[]> {
  if (gpuCount(machine.facts) === 0 || machine.inventory.gpus.length === 0) return [];
  const images = entries.map(gpuEngineImage).filter((i): i is string => i !== null);
  const runtime = machine.remote ? undefined : await connectRuntime().catch(() => undefined);
  const origin = machine.remote ? `in ${machine.inventory.source}` : 'installed';
  return engineCudaFits({
    images,
    driver: driverUnderTest(machine.facts, options, origin),
    gpus: machine.inventory.gpus,
    ...(runtime ? { runtime } : {}),
  });
}

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
  /**
   * An `ops bundle create` file: verified first, then it supplies everything setup would fetch (packages from its
   * repository, images, models) and the Plan; nothing reaches for the network. Saved with the answers, so a re-run
   * goes on from it.
   */
  bundle?: string;
  /** Stop after this stage (staged rollouts, tests of resuming). */
  until?: SetupStage;
  /** `false` (`--no-bench`): skip the short benchmark at the end. */
  bench?: boolean;
  /** Where the human report goes (stdout). */
  print: (text: string) => void;
}

export type SetupResult =
  | {
      kind: 'dry-run';
      answers: SetupAnswers;
      profile: string;
      steps: { id: string; status: string; detail: string; commands: string[] }[];
      /** Each GPU engine image's CUDA requirement against the driver (the capture's, the box's, or the one to install). */
      cuda: CudaFit[];
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

  // A bundle: every part verified before anything uses one; its Plan is what runs, so it settles the deployment.
  const bundleFile = options.bundle ? resolve(options.bundle) : answers.offline?.bundle;
  let bundle: SetupBundle | undefined;
  if (bundleFile) {
    bundle = await openSetupBundle(bundleFile, state, bus);
    const mismatch = bundleMismatch(bundle.verified.manifest, {
      distro: machine.facts.distro.key,
      arch: debianArch(),
    });
    if (mismatch)
      throw new OpsError(`${bundleFile} does not fit this machine: ${mismatch}`, {
        exitCode: 2,
        hint: 'make a bundle for this machine: ops bundle create --plan FILE --distro <this distribution>',
      });
    answers = mergeAnswers(answers, answersFromBundle(bundleFile, bundle.document));
  }
  const plan = bundle ? bundlePlan(bundle) : plannedForAnswers(machine, answers, state);
  const withBundle = (o: ProvisionOptions): ProvisionOptions =>
    bundle?.apt ? { ...o, bundleApt: bundle.apt } : o;
  let provision = withBundle(provisionOptions(answers, machine.facts.gpus));
  // An installed toolkit without the published security fixes is upgraded only with consent: asked here when
  // there is someone to ask, else answered by upgradeToolkit (--upgrade-toolkit).
  const toolkit = decideSteps(machine.facts, provision).find((d) => d.step.id === 'container-toolkit');
  if (options.prompter && !machine.remote && toolkit?.status === 'kept' && toolkit.concern) {
    if (await options.prompter.confirm(`${toolkit.detail.split(';')[0]}. Upgrade it now?`, true)) {
      answers = mergeAnswers(answers, { upgradeToolkit: true });
      provision = withBundle(provisionOptions(answers, machine.facts.gpus));
    }
  }
  const decisions = decideSteps(machine.facts, provision);
  const cuda = await planCudaFits(machine, provision, plan.entries);
  print(
    `${plan.text}\n\nHost provisioning (${hostLine(machine)}):\n${formatDecisions(decisions, true).join('\n')}\n` +
      (gpuCount(machine.facts) > 0 ? `  driver flavour: ${provision.driver.reason}\n` : '') +
      (cuda.length ? `\nEngine images against the driver:\n${formatCudaFits(cuda).join('\n')}\n` : ''),
  );
  if (plan.entries.length === 0) {
    throw new OpsError('nothing in the catalog fits this machine with these answers', {
      hint: plan.suggestions.join('\n') || 'try a shorter context or fewer agents',
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
      cuda,
      plan: plan.document,
    };
  }
  const unfit = cuda.filter((f) => f.status === 'fail');
  if (unfit.length > 0) {
    throw new OpsError(
      `the driver cannot run ${unfit.map((f) => f.image).join(', ')}: ${unfit.map((f) => f.detail).join('; ')}`,
      { exitCode: 2, hint: unfit.map((f) => f.fix).join('\n') },
    );
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
    provision,
    ...(bundle ? { bundle } : {}),
    ...(options.until ? { until: options.until } : {}),
    ...(options.bench === false ? { bench: false } : {}),
  });
  print(summary.text);
  return { kind: 'done', ...summary };
}

/** What setup runs: the document `ops up` takes, the lines shown for it, and its engines. */
interface SetupPlanned {
  document: Record<string, unknown>;
  text: string;
  entries: { engine: string; image?: string | undefined }[];
  suggestions: string[];
}

/** The planner's Plan for the answers. */
function plannedForAnswers(machine: Machine, answers: SetupAnswers, state: StateDir): SetupPlanned {
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
  return {
    document: plan.document,
    text: plan.text,
    entries: plan.proposal.entries,
    suggestions: plan.proposal.suggestions,
  };
}

/** The bundle's Plan, as it was made on the connected machine (models pointed at this machine's store). */
function bundlePlan(bundle: SetupBundle): SetupPlanned {
  return {
    document: bundle.document,
    text: describeBundlePlan(bundle, bundle.verified.manifest),
    entries: bundle.document.engines,
    suggestions: [],
  };
}
