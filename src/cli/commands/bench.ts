import type { Command } from 'commander';
import { benchDeployment } from '../../bench/bench-deployment.js';
import { formatBench } from '../../bench/format-bench.js';
import { positiveInteger, positiveIntegerList, positiveNumber } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

interface BenchOptions {
  gateway?: string;
  engine?: string[];
  sizes: number[];
  outputTokens: number;
  bandwidthGbs?: number;
  store: boolean;
  json?: boolean;
}

/** `ops bench`: speed of the running deployment, measured through the gateway, beside the planner's estimate. */
export const registerBenchCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('bench')
    .description(
      'measure the running deployment through the gateway: decode and prompt tokens/s, time to first token at 2K/20K/60K (cold and warm cache), 1..slots agents; beside the planner estimate and the bandwidth roofline',
    )
    .option('--gateway <url>', "the gateway (default: the current Plan's)")
    .option(
      '--engine <name>',
      'only this engine of the Plan (repeatable; default: every engine)',
      (v: string, p?: string[]) => [...(p ?? []), v],
    )
    .option(
      '--sizes <tokens>',
      'prompt sizes to time, comma-separated (capped to the context per slot)',
      positiveIntegerList,
      [2048, 20000, 60000],
    )
    .option('--output-tokens <n>', 'tokens generated per decode request', positiveInteger, 64)
    .option(
      '--bandwidth-gbs <GB/s>',
      "memory bandwidth for the roofline (default: the planner's assumption for CPU or an unknown GPU)",
      positiveNumber,
    )
    .option('--no-store', 'do not record the results in the ledger')
    .option('--json', 'print the results as JSON')
    .action(async (options: BenchOptions) => {
      const context = getContext();
      const sizes = options.sizes;
      const outputTokens = options.outputTokens;
      const bandwidth = options.bandwidthGbs;
      const results = await benchDeployment(context.state, {
        ...(options.gateway ? { gateway: options.gateway } : {}),
        ...(options.engine ? { only: options.engine } : {}),
        promptSizes: sizes,
        outputTokens,
        ...(bandwidth !== undefined ? { bandwidthGBs: bandwidth } : {}),
        store: options.store,
        bus: context.bus,
      });
      context.output(results.map(formatBench).join('\n\n'), results, options.json ?? false);
    });
};
