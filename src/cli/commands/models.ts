import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { formatBytes } from '../../core/console-reporter.js';
import { readGgufFile } from '../../models/gguf/gguf-reader.js';
import { formatGgufSummary, plainMetadata, summarizeGguf } from '../../models/gguf/gguf-summary.js';
import { ensureSmokeModel, SMOKE_PRESETS, type SmokeSize } from '../../models/smoke-model.js';
import type { CliContext } from '../context.js';
import type { RegisterCommand } from './index.js';

/** Builds one `ops models <name>` subcommand; add new ones to SUBCOMMANDS. */
type ModelsSubcommand = (getContext: () => CliContext) => Command;

const smokeCommand: ModelsSubcommand = (getContext) =>
  new Command('smoke')
    .description(
      'write the built-in tiny llama model (random weights) that llama.cpp can load, quantize and serve',
    )
    .option('--out <file>', 'where to write it (default: <OPS_HOME>/models/smoke-<size>.gguf)')
    .option(
      '--size <size>',
      `preset: ${Object.keys(SMOKE_PRESETS).join(' | ')}`,
      parseSize,
      'tiny' as SmokeSize,
    )
    .option('--seed <n>', 'seed of the weights (same seed, same bytes)', parseSeed, 1)
    .option('--json', 'print the result as JSON')
    .action(async (options: { out?: string; size: SmokeSize; seed: number; json?: boolean }) => {
      const ctx = getContext();
      const out = resolve(options.out ?? join(ctx.state.modelsDir, `smoke-${options.size}.gguf`));
      const result = await ensureSmokeModel({ out, size: options.size, seed: options.seed, bus: ctx.bus });
      const human = result.reused
        ? `smoke model ${options.size} is up to date: ${out} (${formatBytes(result.bytes)}, sha256 ${result.sha256}); nothing written`
        : `smoke model ${options.size}: ${out} (${formatBytes(result.bytes)}, sha256 ${result.sha256})`;
      ctx.output(human, { ...result, size: options.size, seed: options.seed }, options.json ?? false);
    });

const inspectCommand: ModelsSubcommand = (getContext) =>
  new Command('inspect')
    .description(
      'show what a GGUF file holds: architecture, shape, context length, file type, tensor sizes by type',
    )
    .argument('<file>', 'a .gguf file')
    .option('--json', 'print the full structure as JSON (metadata, every tensor)')
    .action(async (file: string, options: { json?: boolean }) => {
      const ctx = getContext();
      const gguf = await readGgufFile(resolve(file));
      const summary = summarizeGguf(gguf);
      const json = {
        ...summary,
        metadata: plainMetadata(gguf.metadata),
        tensors: gguf.tensors,
      };
      ctx.output(formatGgufSummary(summary), json, options.json ?? false);
    });

const SUBCOMMANDS: ModelsSubcommand[] = [smokeCommand, inspectCommand];

/** `ops models …`: model files (the smoke model, inspecting GGUF files; later pull, list, quantize). */
export const registerModelsCommands: RegisterCommand = (program, getContext) => {
  const models = program
    .command('models')
    .description('work with model files: generate the smoke model, inspect GGUF files')
    .action(() => models.help());
  // addCommand does not pass on settings such as exitOverride the way .command() does; copy them explicitly.
  for (const build of SUBCOMMANDS) models.addCommand(build(getContext).copyInheritedSettings(models));
};

function parseSize(value: string): SmokeSize {
  if (!Object.hasOwn(SMOKE_PRESETS, value)) {
    throw new InvalidArgumentError(`expected one of: ${Object.keys(SMOKE_PRESETS).join(', ')}`);
  }
  return value as SmokeSize;
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || seed > 0xffffffff)
    throw new InvalidArgumentError('expected an integer from 0 to 4294967295');
  return seed;
}
