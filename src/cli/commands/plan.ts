import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { latestMeasuredSpeeds } from '../../bench/bench-store.js';
import { loadActiveCatalog } from '../../catalog/active-catalog.js';
import { knownModelIds } from '../../catalog/known-model-ids.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { OpsError } from '../../core/errors.js';
import type { StateDir } from '../../core/state-dir.js';
import { checkImagesForInventory } from '../../cuda-compat/plan-cuda-check.js';
import { detectInventory } from '../../detect/detect-inventory.js';
import { inventoryFromNvidiaSmiXml } from '../../detect/inventory-from-file.js';
import type { GpuInfo } from '../../detect/types.js';
import { ledgerPath } from '../../ledger/ledger.js';
import { formatEstimates } from '../../planner/explain-estimates.js';
import { formatProposal } from '../../planner/format-proposal.js';
import { intentFromDefaults } from '../../planner/intent-defaults.js';
import { gpuInfoOf, inventoryToHardware } from '../../planner/inventory-to-hardware.js';
import { loadHardwareSpec } from '../../planner/load-hardware.js';
import { speedFigures } from '../../planner/measured-speed.js';
import { planModels } from '../../planner/plan-models.js';
import { formatPredictionRecords, lastComparison } from '../../planner/prediction-record.js';
import { toPlanDocument } from '../../planner/to-plan-document.js';
import type { HardwareSpec, PlannedModel, PlanProposal } from '../../planner/types.js';
import { classify } from '../../profiles/classify.js';
import { loadProfiles } from '../../profiles/load-profiles.js';
import { defaultProfilesDir } from '../../profiles/profiles-dir.js';
import { gpuEngineImage } from '../../setup/engine-cuda-fit.js';
import { type LocateResult, planModelOf } from '../../store/model-location.js';
import { StoreModelLocator } from '../../store/model-locator.js';
import { portNumber, positiveInteger } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

interface PlanOptions {
  json?: boolean;
  write?: boolean;
  out?: string;
  nvidiaSmiXml?: string;
  hardware?: string;
  context?: number;
  agents?: number;
  priority?: string;
  sources?: string;
  models?: string;
  deployment: string;
  portBase: number;
  all?: boolean;
  explain?: boolean;
}

/** The next command to type after --write: `--pull` when a hub model is not in the store yet. */
function startHint(missing: readonly LocateResult[], file: string): string {
  if (!missing.some((found) => !found.found && found.command !== undefined))
    return `start it with: ops up --plan ${file}`;
  return `fetch and start it with: ops up --plan ${file} --pull (or run the pull commands above first)`;
}

/** What must happen before `ops up` can load an entry's weights, or undefined when they are there. */
function fetchNote(entry: PlannedModel, found: LocateResult): string | undefined {
  if (found.found) return undefined;
  if (found.command) return `${entry.id}: not downloaded: ${found.command} (or ops up --pull fetches it)`;
  return `${entry.id}: ${found.reason}; ops up writes it`;
}

/** The per-model fields `--json` promises first, then the rest of the planner's record. */
function jsonEntry(e: PlannedModel, model: string) {
  const {
    id,
    quant,
    engine,
    weightsBytes,
    kvCacheBytes,
    overheadBytes,
    totalBytes,
    gpus,
    contextLength,
    parallel,
    args,
    estTokensPerSec,
    ...rest
  } = e;
  return {
    id,
    quant,
    engine,
    weightsBytes,
    kvCacheBytes,
    overheadBytes,
    totalBytes,
    gpus,
    contextLength,
    parallel,
    args,
    estTokensPerSec,
    model,
    ...rest,
  };
}

/** `ops plan`: which models fit this machine (or a described one), with what settings, and why not the others. */
export const registerPlanCommand: RegisterCommand = (program: Command, getContext) => {
  program
    .command('plan')
    .description(
      'plan which models, quantizations and engine settings fit this machine (or one described by --hardware / --nvidia-smi-xml)',
    )
    .option('--json', 'print the proposal as JSON (every model, every rejected candidate)')
    .option('--write', 'write the Plan that `ops up` accepts (default $OPS_HOME/plan.proposed.yaml)')
    .option(
      '--out <file>',
      'with --write: where to write the Plan (naming $OPS_HOME/plan.yaml replaces the current one)',
    )
    .option(
      '--hardware <file>',
      'plan for a machine described in YAML (gpus: [{index, name, vramMiB}], ramMiB, cpuCores)',
    )
    .option('--nvidia-smi-xml <file>', 'plan for the GPUs of a saved `nvidia-smi -q -x` output')
    .option('--context <tokens>', 'context per agent (default: the hardware profile)', positiveInteger)
    .option(
      '--agents <n>',
      'concurrent agents / parallel slots (default: the hardware profile)',
      positiveInteger,
    )
    .option('--priority <p>', 'quality | speed', 'quality')
    .option(
      '--sources <list>',
      'model sources to plan from: hf (hub models, pulled with `ops models pull`; the default), builtin (the random-weight smoke models, no download: for demos and tests only)',
    )
    .option('--models <ids>', 'only these catalog model ids (comma-separated)')
    .option('--deployment <name>', 'deployment name written into the Plan', 'default')
    .option('--port-base <port>', 'first engine port in the Plan', portNumber, 8081)
    .option('--all', 'list every rejected candidate, not the first few per role')
    .option(
      '--explain',
      "also show what an agent feels (prompt time for a 20K prompt, decode for one agent and for all of them, with the arithmetic) and the last check of the planner's memory predictions against llama.cpp's own report",
    )
    .action(async (opts: PlanOptions) => {
      const ctx = getContext();
      const profiles = loadProfiles(defaultProfilesDir());
      const catalog = loadActiveCatalog(ctx.state);
      let hardware: HardwareSpec;
      let notes: string[] = [];
      let source: string;
      let detectedGpus: GpuInfo[] | undefined;
      if (opts.hardware) {
        hardware = loadHardwareSpec(opts.hardware);
        source = opts.hardware;
      } else {
        const inventory = opts.nvidiaSmiXml
          ? await inventoryFromNvidiaSmiXml(opts.nvidiaSmiXml)
          : await detectInventory();
        ({ hardware, notes } = inventoryToHardware(inventory));
        source = inventory.source === 'local' ? 'this machine' : inventory.source;
        detectedGpus = inventory.gpus;
      }
      const classification = classify({ gpus: hardware.gpus.map(gpuInfoOf) }, profiles);
      const profile = profiles.find((p) => p.id === classification.id) ?? profiles[0];
      if (!profile) throw new Error('no hardware profile loaded');
      const intent = intentFromDefaults(profile, {
        context: opts.context,
        agents: opts.agents,
        priority: opts.priority,
        sources: opts.sources?.split(',').filter(Boolean),
        models: opts.models === undefined ? undefined : knownModelIds(opts.models, catalog),
      });
      const proposal = planModels({ hardware, intent, catalog });
      // `ops bench` figures apply to the machine they were measured on: only when planning for this one.
      const measured =
        opts.hardware || opts.nvidiaSmiXml
          ? []
          : latestMeasuredSpeeds(ledgerPath(ctx.state), hostname(), proposal.entries.map(planModelOf));
      const speeds = proposal.entries.map((e, i) => speedFigures(e, measured[i]));

      if (!intent.sources?.includes('hf'))
        notes.push('only built-in models were planned; add --sources hf,builtin to plan hub models too');
      // Where each planned model is, located once per entry for both the notes and the next-step hint.
      const locator = new StoreModelLocator(ctx.state);
      const located = proposal.entries.map((e) => locator.locate(planModelOf(e)));
      proposal.entries.forEach((e, i) => {
        const note = located[i] && fetchNote(e, located[i]);
        if (note) notes.push(note);
      });
      // Each GPU engine image against the driver this machine (or the capture) reports: a Plan the driver cannot
      // run is said now, not when the engine fails to start.
      const images = [
        ...new Set(
          proposal.entries
            .map((e) => gpuEngineImage({ engine: e.engine, gpus: e.gpus }))
            .filter((i) => i !== null),
        ),
      ];
      const cudaFit = detectedGpus && images.length > 0 ? checkImagesForInventory(images, detectedGpus) : [];
      for (const fit of cudaFit)
        if (fit.status !== 'ok') notes.push(`${fit.image}: ${fit.detail}${fit.fix ? `; ${fit.fix}` : ''}`);
      const gpuText = hardware.gpus.length
        ? hardware.gpus.map((g) => `GPU${g.index} ${g.name} ${(g.vramMiB / 1024).toFixed(0)} GiB`).join(', ')
        : 'no usable GPU';
      const header = [
        `plan for ${source}: ${gpuText}, ${(hardware.ramMiB / 1024).toFixed(0)} GiB RAM, ${hardware.cpuCores} cores → profile ${profile.id}`,
        `intent: ${intent.contextLength} tokens × ${intent.agents} agent(s), priority ${intent.priority}, sources ${intent.sources?.join(',')}`,
      ];

      let written: string | undefined;
      if (opts.write) written = await writePlan(ctx.state, proposal, opts);

      const json = {
        source,
        hardware,
        profile: classification,
        intent,
        models: proposal.entries.map((e, i) => ({ ...jsonEntry(e, planModelOf(e)), speed: speeds[i] })),
        rejected: proposal.rejected,
        suggestions: proposal.suggestions,
        cudaFit,
        notes,
        ...(written ? { written } : {}),
      };
      let human = formatProposal(proposal, header, notes, opts.all ?? false, speeds);
      if (opts.explain) {
        const records = lastComparison(ctx.state, ['llama.cpp']);
        human = [
          human,
          '',
          ...formatEstimates(proposal.entries, speeds),
          '',
          formatPredictionRecords(records),
        ].join('\n');
        Object.assign(json, { predictionRecords: records });
      }
      ctx.output(
        written ? `${human}\n\nwrote ${written} (${startHint(located, written)})` : human,
        json,
        opts.json ?? false,
      );
    });
};

/** Writes the Plan YAML; returns the file written. Models are named for the store; `ops up` resolves them. */
async function writePlan(state: StateDir, proposal: PlanProposal, opts: PlanOptions): Promise<string> {
  const doc = toPlanDocument(proposal, {
    deployment: opts.deployment,
    modelFor: planModelOf,
    portBase: opts.portBase,
  });
  const file = resolve(opts.out ?? join(state.root, 'plan.proposed.yaml'));
  mkdirSync(dirname(file), { recursive: true });
  const text = `# Written by ops plan; start it with: ops up --plan ${file}\n${stringify(doc)}`;
  try {
    writeFileAtomic(file, text);
  } catch (cause) {
    throw new OpsError(`cannot write the Plan to ${file}: ${(cause as Error).message}`, {
      cause,
      exitCode: 2,
      hint: 'give --out a file path in a directory you can write',
    });
  }
  return file;
}
