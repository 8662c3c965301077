import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Command, Option } from 'commander';
import { OpsError } from '../../core/errors.js';
import { timedStep } from '../../core/timed-step.js';
import { readPlan } from '../../plan/load-plan.js';
import { planFileToUse } from '../../plan/plan-store.js';
import { clusterDeploySummary } from '../../planner/cluster/deploy-summary.js';
import { findPulumiCli, PULUMI_INSTALL_HINT } from '../../planner/cluster/find-pulumi-cli.js';
import type { RegisterCommand } from './index.js';

type Target = 'cluster' | 'fleet';

/** The stacks package (its own node_modules keep the Pulumi SDK out of the CLI's). */
const STACKS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'stacks');

/** The Automation API runner in stacks/deploy/run-stack.ts, as seen from here. */
interface StackRunner {
  runStack(request: {
    target: Target;
    stackName: string;
    planFile?: string;
    preview: boolean;
    onOutput: (text: string) => void;
  }): Promise<{ summary: string; outputs: Record<string, unknown> }>;
}

async function loadRunner(): Promise<StackRunner> {
  if (!existsSync(join(STACKS_DIR, 'node_modules', '@pulumi', 'pulumi'))) {
    throw new OpsError('the Pulumi stacks are not installed', {
      hint: `run \`npm --prefix ${STACKS_DIR} ci\` once, then run the command again`,
      exitCode: 3,
    });
  }
  // A computed specifier: the CLI never type-checks or loads the Pulumi SDK unless a deploy runs.
  const runner = pathToFileURL(join(STACKS_DIR, 'deploy', 'run-stack.ts')).href;
  try {
    return (await import(runner)) as StackRunner;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  // The CLI runs built JavaScript (dist/) and the stacks are TypeScript: load them through tsx.
  try {
    // Resolved from stacks/: its own node_modules, then the ops package's, then wherever npm put ops. Importing
    // tsx's main module registers its loader, as `node --import tsx` does.
    const tsx = createRequire(join(STACKS_DIR, 'package.json')).resolve('tsx');
    await import(pathToFileURL(tsx).href);
  } catch (cause) {
    throw new OpsError('the Pulumi stacks are TypeScript and tsx, which loads them, is not installed', {
      cause,
      hint: `run \`npm --prefix ${STACKS_DIR} install tsx\` once, then run the command again`,
      exitCode: 3,
    });
  }
  // A new URL: the module map keeps the failed first attempt under the plain one.
  return (await import(`${runner}?through-tsx`)) as StackRunner;
}

export const registerDeployCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('deploy')
    .description(
      'deploy the Plan to a Kubernetes GPU cluster or a fleet of hosts with Pulumi (single host: use `ops up`)',
    )
    .addOption(
      new Option('-t, --target <target>', 'where to deploy')
        .choices(['cluster', 'fleet'])
        .makeOptionMandatory(),
    )
    .option('--preview', 'show what would change (pulumi preview) and change nothing')
    .option('-p, --plan <file>', 'Plan file (YAML); default: the current Plan in $OPS_HOME/plan.yaml')
    .option('-s, --stack <name>', 'Pulumi stack name; default: the Plan deployment name')
    .action(async (opts: { target: Target; preview?: boolean; plan?: string; stack?: string }) => {
      const ctx = getContext();
      const planPath = planFileToUse(ctx.state, opts.plan);
      if (opts.target === 'cluster' && !planPath) {
        throw new OpsError('no Plan given and no current Plan in the state directory', {
          hint: 'pass --plan FILE, or run `ops plan --write` to generate one',
          exitCode: 2,
        });
      }
      // Model files live on the cluster's nodes, not here: only the Plan's own rules are checked.
      const plan = planPath ? readPlan(planPath).plan : undefined;
      const stackName = opts.stack ?? plan?.deployment ?? 'default';

      if (opts.preview && plan && opts.target === 'cluster') {
        process.stdout.write(
          `the cluster stack (${stackName}) would declare:\n${clusterDeploySummary(plan).join('\n')}\n`,
        );
      }
      const cli = findPulumiCli();
      if (!cli) {
        throw new OpsError(
          `ops deploy --target ${opts.target} drives Pulumi, and the Pulumi CLI is not installed (looked in PATH and ~/.pulumi/bin)`,
          { hint: PULUMI_INSTALL_HINT, exitCode: 3 },
        );
      }
      const runner = await loadRunner();
      const verb = opts.preview ? 'preview' : 'up';
      const result = await timedStep(ctx.bus, `pulumi ${verb} ${opts.target}/${stackName}`, () =>
        runner.runStack({
          target: opts.target,
          stackName,
          planFile: planPath ? resolve(planPath) : undefined,
          preview: opts.preview ?? false,
          onOutput: (text) => process.stdout.write(text),
        }),
      );
      ctx.output(`pulumi ${verb} done: ${result.summary}`, result, false);
    });
};
