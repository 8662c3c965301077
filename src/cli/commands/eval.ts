import type { Command } from 'commander';
import { OpsError } from '../../core/errors.js';
import { recordSuiteResult } from '../../eval/eval-store.js';
import { resolveEvalTarget } from '../../eval/eval-target.js';
import { formatEvalRun } from '../../eval/format-eval.js';
import { runEval } from '../../eval/run-eval.js';
import { selectSuites } from '../../eval/select-suites.js';
import { DEFAULT_SANDBOX_TAG } from '../../images/sandbox-image.js';
import { Ledger, ledgerPath } from '../../ledger/ledger.js';
import { refreshCapacityFactsAfterRuns } from '../../runtime/capacity-facts-file.js';
import { connectRuntime } from '../../runtime/connect-runtime.js';
import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import type { RegisterCommand } from './index.js';

interface EvalOptions {
  suite: string[];
  gateway?: string;
  model?: string;
  api: string;
  band?: string[];
  limit?: string;
  concurrency: string;
  compare?: string;
  baseline?: string;
  baselineModel?: string;
  sandboxImage: string;
  timeout: string;
  agentTimeout: string;
  maxTokens: string;
  store: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',')];

/** `ops eval`: how well the served models code, measured through the gateway like any client. */
export const registerEvalCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('eval')
    .description(
      'measure coding quality through the gateway: code suites graded in a sandbox, Claude Code tool use, Claude Code fixing repositories in the sandbox; results go to the ledger',
    )
    .option(
      '--suite <name>',
      'builtin (40 Python/TypeScript tasks), tools (Claude Code tool calls), agentic (Claude Code fixes failing tests of small repositories, in the sandbox), a HumanEval/MBPP .jsonl file, or a polyglot-style exercise directory; repeatable or comma-separated (default: builtin,tools)',
      collect,
    )
    .option('--gateway <url>', "the gateway to measure (default: the current Plan's)")
    .option(
      '--model <name>',
      "model, alias or Claude name the gateway serves (default: the Plan's first engine)",
    )
    .option(
      '--api <openai|anthropic>',
      'API the code suites speak (the tool suite always speaks Anthropic)',
      'openai',
    )
    .option('--band <band>', 'only tasks of these difficulty bands (easy, medium, hard); repeatable', collect)
    .option('--limit <n>', 'at most n tasks per suite, spread over it')
    .option('--concurrency <n>', 'tasks in flight at once', '2')
    .option(
      '--compare <models>',
      'comma-separated models the gateway serves (e.g. the same model at Q4_K_M and Q8_0 as two Plan entries): run the same suites on each and report the differences with 95% intervals',
    )
    .option(
      '--baseline <anthropic>',
      'run against the cloud (needs ANTHROPIC_API_KEY and a network) and store it as the baseline reports compare against',
    )
    .option('--baseline-model <model>', 'cloud model for --baseline', 'claude-sonnet-4-5')
    .option('--sandbox-image <image>', 'image the generated code runs in', DEFAULT_SANDBOX_TAG)
    .option('--timeout <seconds>', 'time limit of one task in the sandbox', '20')
    .option('--agent-timeout <seconds>', 'time limit of one Claude Code session (agentic suite)', '600')
    .option('--max-tokens <n>', 'longest answer asked for per task', '1024')
    .option('--no-store', 'do not record the results in the ledger')
    .option('--json', 'print the results as JSON')
    .action(async (options: EvalOptions) => {
      const context = getContext();
      const api = options.api;
      if (api !== 'openai' && api !== 'anthropic') {
        throw new OpsError(`unknown API ${api}`, { exitCode: 2, hint: 'use openai or anthropic' });
      }
      const limit = options.limit === undefined ? undefined : positiveInt(options.limit, '--limit');
      const concurrency = positiveInt(options.concurrency, '--concurrency');
      const timeoutS = positiveInt(options.timeout, '--timeout');
      const maxTokens = positiveInt(options.maxTokens, '--max-tokens');
      const agentTimeoutS = positiveInt(options.agentTimeout, '--agent-timeout');
      const suites = selectSuites(options.suite ?? ['builtin', 'tools'], {
        ...(options.band ? { bands: options.band } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      if (options.baseline !== undefined && suites.some((s) => s.kind === 'agentic')) {
        throw new OpsError('the agentic suite runs against the local gateway only, not as a --baseline', {
          exitCode: 2,
          hint: 'take the cloud baseline of the other suites: --suite builtin,tools --baseline anthropic',
        });
      }
      const { endpoint, target } = resolveEvalTarget(context.state, {
        ...(options.gateway ? { gateway: options.gateway } : {}),
        ...(options.model ? { model: options.model } : {}),
        ...(options.baseline !== undefined ? { baseline: options.baseline } : {}),
        ...(options.baselineModel ? { baselineModel: options.baselineModel } : {}),
        api,
      });
      let runtime: ContainerRuntime | undefined;
      if (suites.some((s) => s.kind !== 'tools')) {
        runtime = await connectRuntime();
        if (!(await runtime.imageExists(options.sandboxImage))) {
          throw new OpsError(`the sandbox image ${options.sandboxImage} is missing`, {
            exitCode: 2,
            hint: 'build it with `ops images build sandbox` (Debian packages, no registry)',
          });
        }
      }
      for (const suite of suites) {
        if (suite.kind === 'code' && suite.skipped.length > 0)
          context.bus.emit({
            kind: 'log',
            level: 'warn',
            message: `${suite.name}: ${suite.skipped.length} exercise(s) skipped (${suite.skipped[0]!.reason}…)`,
          });
      }
      const run = await runEval({
        suites,
        endpoint,
        target,
        runtime,
        ...(options.compare
          ? {
              variants: options.compare
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        concurrency,
        maxTokens,
        grade: { image: options.sandboxImage, limits: { timeoutMs: timeoutS * 1000 } },
        agentTimeoutMs: agentTimeoutS * 1000,
        bus: context.bus,
      });
      if (options.store) {
        const ledger = Ledger.open(ledgerPath(context.state));
        try {
          for (const result of run.results) recordSuiteResult(ledger, result);
        } finally {
          ledger.close();
        }
        // The gateway's capacity API and task rules read the new figures from its facts file.
        refreshCapacityFactsAfterRuns(context.state, context.bus);
      }
      context.output(formatEvalRun(run), run, options.json ?? false);
    });
};

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new OpsError(`${flag} must be a positive integer, got ${value}`, { exitCode: 2 });
  return n;
}
