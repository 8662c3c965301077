import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { formatBytes } from '../../core/console-reporter.js';
import { readGgufFile } from '../../models/gguf/gguf-reader.js';
import { formatGgufSummary, plainMetadata, summarizeGguf } from '../../models/gguf/gguf-summary.js';
import { ensureSmokeModel, SMOKE_PRESETS, type SmokeSize } from '../../models/smoke-model.js';
import { exportBundle } from '../../store/bundle-export.js';
import { importBundle } from '../../store/bundle-import.js';
import { listStoredModels } from '../../store/list-models.js';
import { pullModel } from '../../store/pull-model.js';
import { QUANTIZE_IMAGE, quantizeModel } from '../../store/quantize-job.js';
import { collectGarbage, removeModels } from '../../store/remove-model.js';
import { storeLayout } from '../../store/store-layout.js';
import type { CliContext } from '../context.js';
import { integerOption } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

const parseConnections = integerOption({ min: 1, max: 64 });
const parseSeed = integerOption({ min: 0, max: 0xffffffff });

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

const storeOf = (ctx: CliContext) => storeLayout(ctx.state);

const pullCommand: ModelsSubcommand = (getContext) =>
  new Command('pull')
    .description(
      'fetch a model into the store (hub repo[:file] via HF_ENDPOINT/HF_TOKEN, an https URL, or a local file)',
    )
    .argument('<model>', 'owner/name[:file], https://…, or a path')
    .option('--quant <type>', 'the GGUF quantization to pick from the repo (Q4_K_M, Q8_0…)')
    .option('--revision <rev>', 'branch, tag or commit (default main); the resolved commit is recorded')
    .option('--id <id>', 'model id for URLs and local files')
    .option('--sha256 <hex>', 'expected sha256 of a URL or local file')
    .option(
      '--connections <n>',
      'parallel connections per file (default: 1 on loopback, 2 on ≤2 cores, else 8)',
      parseConnections,
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        model: string,
        o: {
          quant?: string;
          revision?: string;
          id?: string;
          sha256?: string;
          connections?: number;
          json?: boolean;
        },
      ) => {
        const ctx = getContext();
        // Ctrl-C stops cleanly: progress is saved, and the same command resumes.
        const abort = new AbortController();
        const onSigint = () => abort.abort(new Error('interrupted (Ctrl-C)'));
        process.once('SIGINT', onSigint);
        try {
          const result = await pullModel(storeOf(ctx), {
            reference: model,
            quant: o.quant,
            revision: o.revision,
            id: o.id,
            sha256: o.sha256,
            connections: o.connections,
            bus: ctx.bus,
            signal: abort.signal,
          });
          const lines = result.entries.map((e) => `  ${e.file}  ${formatBytes(e.bytes)}  sha256 ${e.sha256}`);
          ctx.output(
            `${result.id} ${result.variant} @ ${result.revision}\n${lines.join('\n')}`,
            result,
            o.json ?? false,
          );
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      },
    );

const listCommand: ModelsSubcommand = (getContext) =>
  new Command('list')
    .description('the models in the store, with their blob, size and how many Plans/holders use them')
    .option('--json', 'print { models: [...] } as JSON')
    .action(async (o: { json?: boolean }) => {
      const ctx = getContext();
      const models = await listStoredModels(storeOf(ctx));
      const json = {
        models: models.map((m) => ({
          id: m.id,
          variant: m.variant,
          revision: m.revision,
          file: m.file,
          sha256: m.sha256,
          bytes: m.bytes,
          path: m.path,
          refs: m.refs,
        })),
      };
      const human = models.length
        ? models
            .map(
              (m) =>
                `${m.id}  ${m.variant}  ${m.revision.slice(0, 12)}  ${m.file}  ${formatBytes(m.bytes)}  ${m.sha256.slice(0, 12)}  refs ${m.refs}`,
            )
            .join('\n')
        : 'the model store is empty (ops models pull …)';
      ctx.output(human, json, o.json ?? false);
    });

const rmCommand: ModelsSubcommand = (getContext) =>
  new Command('rm')
    .description('remove a model (id, id:variant or sha256 prefix); refuses while a Plan uses it')
    .argument('<model>', 'id, id:variant or sha256 prefix')
    .option('--revision <rev>', 'only this revision')
    .option('--json', 'print the result as JSON')
    .action(async (model: string, o: { revision?: string; json?: boolean }) => {
      const ctx = getContext();
      const r = await removeModels(storeOf(ctx), model, o.revision);
      ctx.output(
        `removed ${r.removedEntries.length} entr${r.removedEntries.length === 1 ? 'y' : 'ies'}, ${r.removedBlobs.length} blob(s), freed ${formatBytes(r.freedBytes)}`,
        r,
        o.json ?? false,
      );
    });

const gcCommand: ModelsSubcommand = (getContext) =>
  new Command('gc')
    .description('delete orphan blobs and abandoned downloads; --unused also removes models nothing uses')
    .option('--unused', 'also remove models no Plan and no holder uses')
    .option('--json', 'print the result as JSON')
    .action(async (o: { unused?: boolean; json?: boolean }) => {
      const ctx = getContext();
      const r = await collectGarbage(storeOf(ctx), { unused: o.unused ?? false });
      ctx.output(
        `removed ${r.orphanBlobs.length} orphan blob(s), ${r.scratchFiles.length} scratch file(s), ${r.unusedEntries.length} unused entr(ies); freed ${formatBytes(r.freedBytes)}`,
        r,
        o.json ?? false,
      );
    });

const quantizeCommand: ModelsSubcommand = (getContext) =>
  new Command('quantize')
    .description('quantize a stored GGUF with llama-quantize in the engine image and store the result')
    .argument('<model>', 'id, id:variant or sha256 prefix of an F32/F16/BF16 GGUF')
    .requiredOption('--to <type>', 'Q4_K_M | Q5_K_M | Q6_K | Q8_0 | Q4_0 | …')
    .option('--revision <rev>', 'the source revision, when several are stored')
    .option('--image <image>', 'engine image with llama-quantize', QUANTIZE_IMAGE)
    .option('--json', 'print the result as JSON')
    .action(async (model: string, o: { to: string; revision?: string; image: string; json?: boolean }) => {
      const ctx = getContext();
      const r = await quantizeModel(storeOf(ctx), {
        selector: model,
        to: o.to,
        revision: o.revision,
        image: o.image,
        bus: ctx.bus,
      });
      ctx.output(
        `${r.entry.id} ${r.entry.variant}: ${r.path} (${formatBytes(r.entry.bytes)})${r.reused ? ', already in the store' : ''}`,
        r,
        o.json ?? false,
      );
    });

const exportCommand: ModelsSubcommand = (getContext) =>
  new Command('export')
    .description('write models, their manifest entries and checksums into one tar for an offline machine')
    .argument('[models...]', 'ids, id:variant or sha256 prefixes (default: every model)')
    .requiredOption('--out <file>', 'the bundle to write (.tar)')
    .option('--json', 'print the result as JSON')
    .action(async (models: string[], o: { out: string; json?: boolean }) => {
      const ctx = getContext();
      const r = await exportBundle(storeOf(ctx), models, o.out);
      ctx.output(
        `wrote ${r.out}: ${r.entries.length} entr(ies), ${r.blobs} blob(s), ${formatBytes(r.bytes)}`,
        r,
        o.json ?? false,
      );
    });

const importCommand: ModelsSubcommand = (getContext) =>
  new Command('import')
    .description('add the models of a bundle made by `ops models export` (every blob is verified first)')
    .argument('<bundle>', 'the .tar bundle')
    .option('--json', 'print the result as JSON')
    .action(async (bundle: string, o: { json?: boolean }) => {
      const ctx = getContext();
      const r = await importBundle(storeOf(ctx), bundle);
      ctx.output(
        `imported ${r.entries.length} entr(ies), ${r.addedBlobs} new blob(s) (${formatBytes(r.bytes)})`,
        r,
        o.json ?? false,
      );
    });

const SUBCOMMANDS: ModelsSubcommand[] = [
  smokeCommand,
  inspectCommand,
  pullCommand,
  listCommand,
  rmCommand,
  gcCommand,
  quantizeCommand,
  exportCommand,
  importCommand,
];

/** `ops models …`: the model store (pull, list, rm, gc, quantize, export/import), the smoke model, GGUF inspection. */
export const registerModelsCommands: RegisterCommand = (program, getContext) => {
  const models = program
    .command('models')
    .description(
      'the model store: pull, list, rm, gc, quantize, export/import; the smoke model; inspect GGUF files',
    )
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
