import type { Command } from 'commander';
import { recordBench } from '../../bench/bench-store.js';
import type { BenchEngineEntry } from '../../bench/bench-targets.js';
import { benchTargets } from '../../bench/bench-targets.js';
import { formatBench } from '../../bench/format-bench.js';
import { benchEngine } from '../../bench/run-bench.js';
import { bytesPerToken, speedReference } from '../../bench/speed-reference.js';
import type { EngineBench, SpeedReference } from '../../bench/types.js';
import { OpsError } from '../../core/errors.js';
import { Ledger, ledgerPath } from '../../ledger/ledger.js';
import { readGgufFile } from '../../models/gguf/gguf-reader.js';
import { DEFAULT_CPU_BANDWIDTH_GBS, UNKNOWN_GPU_BANDWIDTH_GBS } from '../../planner/memory-constants.js';
import { refreshCapacityFactsAfterRuns } from '../../runtime/capacity-facts-file.js';
import type { RegisterCommand } from './index.js';

interface BenchOptions {
  gateway?: string;
  engine?: string[];
  sizes?: string;
  outputTokens: string;
  bandwidthGbs?: string;
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
      '2048,20000,60000',
    )
    .option('--output-tokens <n>', 'tokens generated per decode request', '64')
    .option(
      '--bandwidth-gbs <GB/s>',
      "memory bandwidth for the roofline (default: the planner's assumption for CPU or an unknown GPU)",
    )
    .option('--no-store', 'do not record the results in the ledger')
    .option('--json', 'print the results as JSON')
    .action(async (options: BenchOptions) => {
      const context = getContext();
      const sizes = (options.sizes ?? '').split(',').map((s) => positive(s.trim(), '--sizes'));
      const outputTokens = positive(options.outputTokens, '--output-tokens');
      const bandwidth =
        options.bandwidthGbs === undefined ? undefined : positive(options.bandwidthGbs, '--bandwidth-gbs');
      const { gatewayUrl, engines } = benchTargets(context.state, {
        ...(options.gateway ? { gateway: options.gateway } : {}),
        ...(options.engine ? { only: options.engine } : {}),
      });
      const apiKey = (process.env.OPS_GATEWAY_API_KEYS ?? '').split(',')[0]?.trim() || 'local';
      const results: EngineBench[] = [];
      for (const entry of engines) {
        const reference = await referenceFor(entry, bandwidth);
        results.push(
          await benchEngine({
            target: { url: gatewayUrl, model: entry.name, apiKey },
            engine: entry.name,
            contextLength: entry.contextLength,
            parallel: entry.parallel,
            outputTokens,
            promptSizes: sizes,
            ...(reference ? { reference } : {}),
            bus: context.bus,
          }),
        );
      }
      if (options.store) {
        const ledger = Ledger.open(ledgerPath(context.state));
        try {
          for (const r of results) recordBench(ledger, r);
        } finally {
          ledger.close();
        }
        // The gateway's capacity API and task rules read the new figures from its facts file.
        refreshCapacityFactsAfterRuns(context.state, context.bus);
      }
      context.output(results.map(formatBench).join('\n\n'), results, options.json ?? false);
    });
};

/** Roofline and planner estimate from the model file's tensors; none when the file is not a readable GGUF. */
async function referenceFor(
  entry: BenchEngineEntry,
  given: number | undefined,
): Promise<SpeedReference | undefined> {
  if (!entry.model || entry.engine !== 'llama.cpp') return undefined;
  const gguf = await readGgufFile(entry.model).catch(() => undefined);
  if (!gguf) return undefined;
  const onCpu = Array.isArray(entry.gpus) && entry.gpus.length === 0;
  return given !== undefined
    ? speedReference(bytesPerToken(gguf.tensors), given, 'given')
    : onCpu
      ? speedReference(bytesPerToken(gguf.tensors), DEFAULT_CPU_BANDWIDTH_GBS, 'assumed-cpu')
      : speedReference(bytesPerToken(gguf.tensors), UNKNOWN_GPU_BANDWIDTH_GBS, 'assumed-gpu');
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new OpsError(`${flag} must be a positive number, got ${value}`, { exitCode: 2 });
  return n;
}
