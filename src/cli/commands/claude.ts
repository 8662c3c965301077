import type { Command } from 'commander';
import {
  claudeEnv,
  gatewayUrlFromPlan,
  shellExports,
  type TierModels,
  tierModelsFromIds,
  tierModelsFromPlan,
} from '../../claude/claude-env.js';
import { findClaude } from '../../claude/find-claude.js';
import { checkToolRoundTrip } from '../../claude/tool-round-trip.js';
import { OpsError } from '../../core/errors.js';
import { runInteractive } from '../../core/process-runner.js';
import { apiKeysFromEnv } from '../../gateway/auth.js';
import { httpRequest } from '../../http/http-client.js';
import { readPlan } from '../../plan/load-plan.js';
import { planFileToUse } from '../../plan/plan-store.js';
import type { CliContext } from '../context.js';

interface ClaudeCliOptions {
  plan?: string;
  url?: string;
  model?: string;
  printEnv?: boolean;
  check: boolean;
  json?: boolean;
}

/** `ops claude [args…]`: Claude Code against the gateway, with everything set; `--print-env` for shells. */
export function registerClaudeCommand(program: Command, getContext: () => CliContext): void {
  program
    .command('claude')
    .description(
      "start Claude Code against this box's gateway (base URL, key, model tiers, offline settings, local timeouts) after checking one tool round trip; `--print-env` prints the settings for shells and IDEs",
    )
    .argument('[args...]', 'arguments for claude (put them after --, e.g. `ops claude -- -p "fix the test"`)')
    .option('--plan <file>', 'Plan file (default: the current Plan in $OPS_HOME/plan.yaml)')
    .option('--url <url>', "gateway base URL (default: the Plan's gateway host and port)")
    .option('--model <name>', 'use this gateway model for every tier (default: quality / fast aliases)')
    .option('--print-env', 'print `export` lines (or JSON with --json) instead of starting Claude Code')
    .option('--no-check', 'skip the tool round trip through the gateway')
    .option('--json', 'with --print-env: the settings as JSON')
    .action(async (args: string[], opts: ClaudeCliOptions) => {
      const ctx = getContext();
      const keys = apiKeysFromEnv(process.env);
      const { url, models: planned } = resolveTarget(ctx, opts);
      const models = planned ?? (await tierModelsFromGateway(url, keys[0] ?? 'local'));
      const env = claudeEnv({ url, token: keys[0] ?? 'local', models });
      if (opts.check) {
        const result = await checkToolRoundTrip({
          url,
          token: env.ANTHROPIC_AUTH_TOKEN!,
          model: models.sonnet,
          timeoutMs: 600_000,
        });
        ctx.bus.emit({
          kind: 'log',
          level: 'info',
          message: `tool round trip through ${url} with ${result.model}: call in ${result.toolCallMs} ms, answer in ${result.answerMs} ms`,
        });
      }
      if (opts.printEnv) {
        ctx.output(shellExports(env), env, opts.json === true);
        return;
      }
      const claude = findClaude(process.env);
      process.exitCode = await runInteractive(claude, args, { env: { ...process.env, ...env } });
    });
}

/** Without a Plan, the tiers come from the models the gateway lists. */
async function tierModelsFromGateway(url: string, token: string): Promise<TierModels> {
  let ids: string[] = [];
  try {
    const res = await httpRequest(`${url}/v1/models`, {
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: 10_000,
    });
    ids = (await res.json<{ data?: { id: string }[] }>()).data?.map((m) => m.id) ?? [];
  } catch (error) {
    throw new OpsError(`the gateway at ${url} did not list its models`, {
      hint: 'start it with `ops up` (or `ops gateway`), or check --url',
      cause: error,
      exitCode: 4,
    });
  }
  const tiers = tierModelsFromIds(ids);
  if (!tiers) throw new OpsError(`the gateway at ${url} serves no models`, { exitCode: 4 });
  return tiers;
}

function resolveTarget(
  ctx: CliContext,
  opts: ClaudeCliOptions,
): { url: string; models: TierModels | undefined } {
  const file = planFileToUse(ctx.state, opts.plan);
  const plan = file ? readPlan(file).plan : undefined;
  const url = (opts.url ?? (plan ? gatewayUrlFromPlan(plan) : undefined))?.replace(/\/+$/, '');
  if (!url) {
    throw new OpsError(
      plan ? 'the Plan has no gateway' : 'no Plan given and no current Plan in the state directory',
      {
        hint: 'pass --url http://127.0.0.1:8080 (a running gateway), or run `ops up --plan FILE` first',
        exitCode: 2,
      },
    );
  }
  if (!/^https?:\/\/[^/]+$/.test(url))
    throw new OpsError(`--url must be a base URL like http://127.0.0.1:8080, got ${JSON.stringify(url)}`, {
      exitCode: 2,
    });
  const tiers = opts.model
    ? { opus: opts.model, sonnet: opts.model, haiku: opts.model }
    : plan
      ? tierModelsFromPlan(plan)
      : undefined;
  return { url, models: tiers };
}
