import type { Command } from 'commander';
import { OpsError } from '../../core/errors.js';
import { attachJsonStream } from '../../core/json-log.js';
import { parseSources } from '../../planner/intent-defaults.js';
import type { PartialAnswers } from '../../setup/answers.js';
import { parseDistroFlag } from '../../setup/distro.js';
import { terminalPrompter } from '../../setup/prompts.js';
import { runSetup } from '../../setup/run-setup.js';
import { SETUP_STAGES, type SetupStage } from '../../setup/setup-progress.js';
import { portNumber } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

interface SetupOptions {
  yes?: boolean;
  config?: string;
  dryRun?: boolean;
  json?: boolean;
  nvidiaSmiXml?: string;
  distro?: string;
  hostFacts?: string;
  deployment?: string;
  gatewayPort?: number;
  portBase?: number;
  driverPin?: string;
  driverFlavour?: string;
  upgradeToolkit?: boolean;
  until?: string;
  sources?: string;
  bundle?: string;
  bench: boolean;
}

/** `ops setup`: the first-time wizard, from a bare box to a healthy stack and the lines for Claude Code. */
export const registerSetupCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('setup')
    .description(
      'first-time setup: detect, ask what matters, show the Plan and host steps, provision, fetch models, start the stack, smoke test and benchmark (re-runnable; resumes)',
    )
    .option('-y, --yes', 'take the defaults (saved answers, else the hardware profile) and ask nothing')
    .option('--config <file>', 'answers from a YAML file (fleets, CI); asks nothing')
    .option('--dry-run', 'print the Plan and the host steps, change nothing')
    .option('--json', 'events as JSON lines on stdout, then one result line (for automation)')
    .option('--nvidia-smi-xml <file>', 'with --dry-run: plan for the GPUs of another machine')
    .option(
      '--distro <id>',
      "with --dry-run: that machine's distribution (ubuntu-22.04, ubuntu-24.04[.N], debian-12, debian-13)",
    )
    .option(
      '--host-facts <file>',
      "with --dry-run: that machine's software, as printed by scripts/provision/probe-host.sh",
    )
    .option('--deployment <name>', 'deployment name (default: saved answer, else "default")')
    .option('--gateway-port <port>', 'gateway port (default: saved answer, else 8080)', portNumber)
    .option('--port-base <port>', 'first engine port (default: saved answer, else 8081)', portNumber)
    .option(
      '--driver-pin <version>',
      'hold the NVIDIA driver at a branch or version (580, 550.127); refused if no package matches',
    )
    .option('--driver-flavour <flavour>', 'kernel modules: auto (from the cards), open or proprietary')
    .option(
      '--upgrade-toolkit',
      'consent to upgrade an NVIDIA Container Toolkit that lacks published security fixes',
    )
    .option(
      '--sources <list>',
      'model sources: hf (hub models, the default), builtin (the random-weight smoke models, for demos and tests)',
    )
    .option(
      '--bundle <file>',
      'air-gapped: set up from an `ops bundle create` file (verified first): packages from its own repository, its images, its models and its Plan; never uses the network',
    )
    .option('--no-bench', 'skip the short benchmark at the end (ops bench measures any time)')
    .option('--until <stage>', `stop after a stage: ${SETUP_STAGES.join(', ')}`)
    .action(async (opts: SetupOptions) => {
      const ctx = getContext();
      if (opts.until && !(SETUP_STAGES as readonly string[]).includes(opts.until)) {
        throw new OpsError(`--until must be one of ${SETUP_STAGES.join(', ')}, got ${opts.until}`, {
          exitCode: 2,
        });
      }
      const interactive = !opts.yes && !opts.config;
      if (interactive && !(process.stdin.isTTY && process.stdout.isTTY)) {
        throw new OpsError('ops setup asks questions, but there is no terminal to ask on', {
          hint: 'run it in a terminal, or pass --yes (take the defaults) or --config answers.yaml',
          exitCode: 2,
        });
      }
      if (opts.json) attachJsonStream(ctx.bus, process.stdout);
      const overrides: PartialAnswers = {
        ...(opts.deployment ? { deployment: opts.deployment } : {}),
        ...(opts.gatewayPort ? { gatewayPort: opts.gatewayPort } : {}),
        ...(opts.portBase ? { portBase: opts.portBase } : {}),
        ...(opts.upgradeToolkit ? { upgradeToolkit: true } : {}),
        ...(opts.driverPin || opts.driverFlavour
          ? {
              driver: {
                ...(opts.driverPin ? { pin: opts.driverPin } : {}),
                ...(opts.driverFlavour ? { flavour: opts.driverFlavour } : {}),
              } as PartialAnswers['driver'],
            }
          : {}),
        ...(opts.sources ? { sources: parseSources(opts.sources.split(',').filter(Boolean)) } : {}),
      };
      // With --json stdout carries only JSON lines; the human report goes to stderr.
      const print = (text: string) => (opts.json ? process.stderr : process.stdout).write(`${text}\n`);
      const result = await runSetup({
        state: ctx.state,
        bus: ctx.bus,
        ...(interactive ? { prompter: terminalPrompter() } : {}),
        ...(opts.config ? { configFile: opts.config } : {}),
        overrides,
        ...(opts.bundle ? { bundle: opts.bundle } : {}),
        dryRun: opts.dryRun ?? false,
        machine: {
          ...(opts.nvidiaSmiXml ? { nvidiaSmiXml: opts.nvidiaSmiXml } : {}),
          ...(opts.distro ? { distro: parseDistroFlag(opts.distro) } : {}),
          ...(opts.hostFacts ? { hostFactsFile: opts.hostFacts } : {}),
        },
        ...(opts.until ? { until: opts.until as SetupStage } : {}),
        ...(opts.bench === false ? { bench: false } : {}),
        print,
      });
      if (opts.json) process.stdout.write(`${JSON.stringify({ event: 'setup:result', ...result })}\n`);
      if (result.kind === 'done' && result.rebootRequired) {
        throw new OpsError('reboot required before setup can go on', {
          hint: 'reboot, then run ops setup again: it resumes where it stopped',
          exitCode: 75,
        });
      }
    });
};
