import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadActiveCatalog } from '../../catalog/active-catalog.js';
import { formatMs } from '../../core/console-reporter.js';
import { OpsError } from '../../core/errors.js';
import { detectGpuIndexes } from '../../detect/gpu-indexes.js';
import { defaultGatewayTag } from '../../images/gateway-image.js';
import { agentEndpointFromConfig, prepareMonitoring } from '../../monitoring/prepare-monitoring.js';
import { readPlan } from '../../plan/load-plan.js';
import type { Plan } from '../../plan/types.js';
import { loadProfiles } from '../../profiles/load-profiles.js';
import { defaultProfilesDir } from '../../profiles/profiles-dir.js';
import { connectRuntime } from '../../runtime/connect-runtime.js';
import { missingGatewaySecrets, prepareGatewayFiles } from '../../runtime/gateway-container.js';
import { planModelOf } from '../../store/model-location.js';
import { StoreModelLocator } from '../../store/model-locator.js';
import {
  diffAgainstProposal,
  holdDowngrades,
  type RoleChange,
  replacementsFor,
  replacementsToReturnTo,
} from '../../upgrade/plan-diff.js';
import { replanThisMachine, runningQualityLookup } from '../../upgrade/replan.js';
import { type EntryReplacement, UPGRADE_STRATEGIES, type UpgradeStrategy } from '../../upgrade/types.js';
import { upgradeDeployment } from '../../upgrade/upgrade-deployment.js';
import type { CliContext } from '../context.js';
import { ExitStatus } from '../exit-status.js';
import type { RegisterCommand } from './index.js';

/** `--check` exit status when an upgrade is available (apart from 1–4, which are errors). */
export const UPGRADE_AVAILABLE_EXIT = 10;

interface UpgradeOptions {
  check?: boolean;
  yes?: boolean;
  only?: string;
  allowDowngrade?: boolean;
  strategy: string;
  json?: boolean;
}

function readPlanFile(file: string | undefined, what: string): Plan {
  if (!file || !existsSync(file)) {
    throw new OpsError(`no ${what} Plan in the state directory`, {
      hint:
        what === 'current'
          ? 'start a deployment first: ops up --plan FILE'
          : 'there is nothing to roll back to',
      exitCode: 2,
    });
  }
  // Host checks are done when the switch starts engines; here only the routing and the files matter.
  return readPlan(file).plan;
}

function strategyOf(value: string): UpgradeStrategy | 'auto' {
  if (value === 'auto' || (UPGRADE_STRATEGIES as readonly string[]).includes(value))
    return value as UpgradeStrategy | 'auto';
  throw new OpsError(`--strategy must be auto, blue-green or stop-and-swap, got ${value}`, { exitCode: 2 });
}

const mib = (b: number) =>
  b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GiB` : `${(b / 1024 ** 2).toFixed(1)} MiB`;

function changeLines(changes: RoleChange[]): string[] {
  return changes.flatMap((c) => [
    `  ${c.role} (${c.entry}): ${c.reasons.join('; ')}`,
    `    predicted memory ${mib(c.to.totalBytes)}, ~${c.to.estTokensPerSec.toFixed(1)} tokens/s, download ${c.to.downloadBytes > 0 ? mib(c.to.downloadBytes) : 'none'}`,
  ]);
}

async function confirmed(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new OpsError('not a terminal: cannot ask for confirmation', { hint: 'pass --yes', exitCode: 2 });
  }
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question, default: true });
}

/** Runs a switch the way `up` would run the Plan: same gateway input, same runtime. */
async function runSwitch(
  ctx: CliContext,
  action: 'upgrade' | 'rollback',
  current: Plan,
  replacements: EntryReplacement[],
  strategy: UpgradeStrategy | 'auto',
) {
  const missing = current.gateway?.enabled ? missingGatewaySecrets(current, process.env) : [];
  if (missing.length > 0) {
    throw new OpsError(`the gateway needs ${missing.map((m) => `$${m}`).join(', ')}, which is not set`, {
      hint: 'export it as for ops up; nothing was changed',
      exitCode: 2,
    });
  }
  const runtime = await connectRuntime();
  const gateway = current.gateway?.enabled
    ? { image: defaultGatewayTag(), paths: prepareGatewayFiles(ctx.state, current), env: process.env }
    : undefined;
  // Monitoring as `ops up` runs it, so the switch keeps Prometheus and the exporters instead of removing them.
  const monitoring = await prepareMonitoring(ctx.state, current, {
    runtime,
    bus: ctx.bus,
    nvidia: current.monitoring?.enabled ? (await detectGpuIndexes()).length > 0 : false,
    agent: agentEndpointFromConfig(ctx.state, ctx.bus),
  });
  return upgradeDeployment({
    action,
    current,
    replacements,
    strategy,
    runtime,
    bus: ctx.bus,
    state: ctx.state,
    ...(gateway ? { gateway } : {}),
    ...(monitoring ? { monitoring } : {}),
  });
}

/** `ops upgrade-models` and `ops rollback`: move to better models with no failed requests, and back. */
export const registerUpgradeCommands: RegisterCommand = (program: Command, getContext) => {
  program
    .command('upgrade-models')
    .description(
      're-plan with the running intent, show what would change, fetch it while the old version serves, then switch with health and smoke checks (rolls back by itself on failure)',
    )
    .option(
      '--check',
      `only report; exit ${UPGRADE_AVAILABLE_EXIT} when an upgrade is available, 0 when up to date`,
    )
    .option('-y, --yes', 'do not ask before switching')
    .option('--only <role>', 'only this role (quality-coder, fast-coder)')
    .option(
      '--allow-downgrade',
      'also take a model that scores lower than the one running (never by default)',
    )
    .option('--strategy <s>', 'auto | blue-green | stop-and-swap', 'auto')
    .option('--json', 'print the result as JSON')
    .action(async (opts: UpgradeOptions) => {
      const ctx = getContext();
      const strategy = strategyOf(opts.strategy);
      const current = readPlanFile(ctx.state.planFile, 'current');
      const catalog = loadActiveCatalog(ctx.state);
      const { proposed, profile, notes } = await replanThisMachine(current, {
        catalog,
        profiles: loadProfiles(defaultProfilesDir()),
        modelPathFor: planModelOf,
      });
      const proposedDiff = diffAgainstProposal(current, proposed, opts.only);
      const held = holdDowngrades(
        proposedDiff.changes,
        runningQualityLookup(catalog, planModelOf),
        opts.allowDowngrade ?? false,
      );
      const diff = { changes: held.changes, notes: [...proposedDiff.notes, ...held.notes] };
      const allNotes = [...notes, ...diff.notes];
      if (diff.changes.length === 0) {
        ctx.output(
          [
            `deployment ${current.deployment} is up to date (profile ${profile})`,
            ...allNotes.map((n) => `  note: ${n}`),
          ].join('\n'),
          { upToDate: true, changes: [], notes: allNotes },
          opts.json ?? false,
        );
        return;
      }
      const header = `${diff.changes.length} upgrade${diff.changes.length > 1 ? 's' : ''} available for ${current.deployment} (profile ${profile}):`;
      const human = [header, ...changeLines(diff.changes), ...allNotes.map((n) => `  note: ${n}`)].join('\n');
      if (opts.check) {
        ctx.output(human, { upToDate: false, changes: diff.changes, notes: allNotes }, opts.json ?? false);
        throw new ExitStatus(
          UPGRADE_AVAILABLE_EXIT,
          'upgrade available (nothing was changed); apply it with: ops upgrade-models',
        );
      }
      if (!opts.json) process.stdout.write(`${human}\n`);
      if (!(await confirmed('Fetch the new models and switch now?', opts.yes))) {
        ctx.output('nothing was changed', { upToDate: false, applied: false }, opts.json ?? false);
        return;
      }
      // Fetch and quantize first: the old version serves all the while.
      const locator = new StoreModelLocator(ctx.state);
      for (const c of diff.changes)
        await locator.ensure(c.to.model, { planDir: current.sourceDir, pull: true, bus: ctx.bus });
      const result = await runSwitch(ctx, 'upgrade', current, replacementsFor(diff.changes), strategy);
      report(ctx, result, opts.json ?? false);
    });

  program
    .command('rollback')
    .description('return to the previous Plan and its models (kept until the next successful upgrade)')
    .option('-y, --yes', 'do not ask before switching')
    .option('--strategy <s>', 'auto | blue-green | stop-and-swap', 'auto')
    .option('--json', 'print the result as JSON')
    .action(async (opts: Omit<UpgradeOptions, 'check' | 'only'>) => {
      const ctx = getContext();
      const strategy = strategyOf(opts.strategy);
      const current = readPlanFile(ctx.state.planFile, 'current');
      const previous = readPlanFile(ctx.state.previousPlanFile, 'previous');
      const replacements = replacementsToReturnTo(current, previous);
      if (replacements.length === 0) {
        ctx.output(
          'the running Plan already runs the previous models; nothing to roll back',
          { applied: false },
          opts.json ?? false,
        );
        return;
      }
      const locator = new StoreModelLocator(ctx.state);
      const gone = replacements.filter((r) => !locator.locate(r.model, previous.sourceDir).found);
      if (gone.length > 0) {
        throw new OpsError(`the previous model files are gone: ${gone.map((r) => r.model).join(', ')}`, {
          hint: 'fetch them again (ops models pull …) or upgrade instead; nothing was changed',
        });
      }
      if (!opts.json)
        process.stdout.write(
          `roll back ${current.deployment}:\n${replacements.map((r) => `  ${r.entry} → ${r.label}`).join('\n')}\n`,
        );
      if (!(await confirmed('Switch back now?', opts.yes))) {
        ctx.output('nothing was changed', { applied: false }, opts.json ?? false);
        return;
      }
      const result = await runSwitch(ctx, 'rollback', current, replacements, strategy);
      report(ctx, result, opts.json ?? false);
    });
};

function report(ctx: CliContext, result: Awaited<ReturnType<typeof upgradeDeployment>>, json: boolean): void {
  if (result.outcome === 'rolled-back') {
    throw new OpsError(`the switch failed and was rolled back; ${result.from.join(', ')} still serve`, {
      // The whole reason: a smoke check lists each failed prompt on a line of its own.
      hint: `${result.reason?.trim() ?? ''}\n(see ops logs; the attempt is recorded as an upgrade event)`,
      exitCode: 4,
    });
  }
  ctx.output(
    `switched ${result.plan.deployment} (${result.strategy}: ${result.strategyReason}) in ${formatMs(result.durationMs)}: now serving ${result.to.join(', ')}`,
    { ...result, plan: undefined },
    json,
  );
}
