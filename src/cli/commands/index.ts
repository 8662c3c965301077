import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** Each command file exports `register(program, getContext)`, which adds its commands to the program. */
export type RegisterCommand = (program: Command, getContext: () => CliContext) => void;

/**
 * A command file loaded only when one of its commands runs: `ops --help` lists `commands` (name → the same
 * description the file gives it) without importing the file, and `ops <name> …` imports just that file. Loading
 * every command's imports (Docker, SQLite, the planner…) is what made `ops --help` slow.
 */
export interface LazyCommands {
  commands: Record<string, string>;
  load: () => Promise<RegisterCommand>;
}

/**
 * The one list of commands, in the order of `ops --help`: the three doors first (setup, upgrade-models,
 * report), then what an operator uses. A plain `registerXCommand` in this list still works but is imported at
 * start-up; test/cli/command-table.test.ts fails until it is made a lazy entry (see ARCHITECTURE.md).
 */
export const commands: (LazyCommands | RegisterCommand)[] = [
  {
    commands: {
      setup:
        'first-time setup: detect, ask what matters, show the Plan and host steps, provision, fetch models, start the stack, smoke test and benchmark (re-runnable; resumes)',
    },
    load: async () => (await import('./setup.js')).registerSetupCommand,
  },
  {
    commands: {
      'upgrade-models':
        're-plan with the running intent, show what would change, fetch it while the old version serves, then switch with health and smoke checks (rolls back by itself on failure)',
      rollback: 'return to the previous Plan and its models (kept until the next successful upgrade)',
    },
    load: async () => (await import('./upgrade.js')).registerUpgradeCommands,
  },
  {
    commands: {
      report:
        'monthly report from the ledger: uptime and incidents, energy and its cost, tokens, latency, TCO vs cloud',
    },
    load: async () => (await import('./report.js')).registerReportCommand,
  },
  {
    commands: {
      tco: 'total cost of ownership before buying: TCO by year with each term, break-even cloud spend and month, sensitivity',
    },
    load: async () => (await import('./tco.js')).registerTcoCommand,
  },
  {
    commands: {
      up: 'start (or update) the engines of a Plan: idempotent, replaces only what changed, waits for health',
      down: 'stop and remove every container of the deployment (by label; nothing else is touched)',
      status: 'show the engines, gateway, monitoring and agent of the deployment, their health and URLs',
      logs: "print an engine's log",
    },
    load: async () => (await import('./deployment.js')).registerDeploymentCommands,
  },
  {
    commands: {
      code: 'code retrieval for local agents: index a repository, search it, serve it to Claude Code over MCP',
    },
    load: async () => (await import('./code.js')).registerCodeCommands,
  },
  {
    commands: { detect: 'detect GPUs, CPU, memory, disks, OS and Docker, and choose a hardware profile' },
    load: async () => (await import('./detect.js')).registerDetectCommand,
  },
  {
    commands: {
      plan: 'plan which models, quantizations and engine settings fit this machine (or one described by --hardware / --nvidia-smi-xml)',
    },
    load: async () => (await import('./plan.js')).registerPlanCommand,
  },
  {
    commands: {
      catalog:
        'the model catalog: which one is active, install a newer signed one (file or URL, offline from a file), sign one',
    },
    load: async () => (await import('./catalog.js')).registerCatalogCommands,
  },
  {
    commands: {
      models:
        'the model store: pull, list, rm, gc, quantize, export/import; the smoke model; inspect GGUF files',
    },
    load: async () => (await import('./models.js')).registerModelsCommands,
  },
  {
    commands: { images: 'build and list the engine images ops makes from Debian packages' },
    load: async () => (await import('./images.js')).registerImagesCommands,
  },
  {
    commands: {
      bundle: 'carry the whole box (images, models, packages, ops) to a machine with no network in one file',
    },
    load: async () => (await import('./bundle.js')).registerBundleCommands,
  },
  {
    commands: {
      gateway:
        "run the gateway (OpenAI and Anthropic APIs) in front of the Plan's engines, in the foreground",
    },
    load: async () => (await import('./gateway.js')).registerGatewayCommand,
  },
  {
    commands: {
      agent:
        'sample GPU/CPU/system power and probe the gateway and engines into the ledger; serve /metrics (foreground)',
    },
    load: async () => (await import('./agent.js')).registerAgentCommand,
  },
  {
    commands: { ledger: 'the ledger of power, probes and usage ($OPS_HOME/ledger.sqlite)' },
    load: async () => (await import('./ledger.js')).registerLedgerCommands,
  },
  {
    commands: {
      doctor:
        "check driver (flavour, pin and hold, Secure Boot, module), engine images against the driver's CUDA, toolkit (security fixes), Docker, GPU in containers, disk, ports, engines, gateway, clock, ledger; print the fix for each problem",
    },
    load: async () => (await import('./doctor.js')).registerDoctorCommand,
  },
  {
    commands: {
      deploy:
        'deploy the Plan to a Kubernetes GPU cluster or a fleet of hosts with Pulumi (single host: use `ops up`)',
    },
    load: async () => (await import('./deploy.js')).registerDeployCommand,
  },
  {
    commands: {
      claude:
        "start Claude Code against this box's gateway (base URL, key, model tiers, offline settings, local timeouts) after checking one tool round trip; `--print-env` prints the settings for shells and IDEs",
    },
    load: async () => (await import('./claude.js')).registerClaudeCommand,
  },
  {
    commands: {
      bench:
        'measure the running deployment through the gateway: decode and prompt tokens/s, time to first token at 2K/20K/60K (cold and warm cache), 1..slots agents; beside the planner estimate and the bandwidth roofline',
    },
    load: async () => (await import('./bench.js')).registerBenchCommand,
  },
  {
    commands: {
      eval: 'measure coding quality through the gateway: code suites graded in a sandbox, Claude Code tool use, Claude Code fixing repositories in the sandbox; results go to the ledger',
    },
    load: async () => (await import('./eval.js')).registerEvalCommand,
  },
];

/**
 * Registers what `argv`'s command needs: the one command file that defines `name`, or, when no command file
 * does (`ops`, `ops --help`, a typo), a listing of every command by name and description, so commander prints
 * the overview or "unknown command … (Did you mean …?)". Plain register functions are always registered.
 */
export async function registerCommands(
  program: Command,
  getContext: () => CliContext,
  name: string | undefined,
): Promise<void> {
  const lazy = commands.filter((c): c is LazyCommands => typeof c !== 'function');
  const owner = name === undefined ? undefined : lazy.find((c) => Object.hasOwn(c.commands, name));
  for (const entry of commands) {
    if (typeof entry === 'function') entry(program, getContext);
    else if (entry === owner) (await entry.load())(program, getContext);
    else if (!owner)
      for (const [command, description] of Object.entries(entry.commands))
        listOnly(program, command, description);
  }
}

/** A command shown in `ops --help` whose file is not loaded; it never runs (its own name loads the file). */
function listOnly(program: Command, name: string, description: string): void {
  program
    .command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error(`command ${name} was listed but not loaded`);
    });
}
