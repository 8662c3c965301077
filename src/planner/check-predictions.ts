import type { ModelShape } from '../catalog/types.js';
import type { EventBus } from '../core/events.js';
import { LABEL } from '../core/labels.js';
import type { StateDir } from '../core/state-dir.js';
import { ggufModelShape } from '../models/gguf/gguf-model-shape.js';
import { readGgufFile } from '../models/gguf/gguf-reader.js';
import type { LlamaCppEntry, Plan } from '../plan/types.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { deploymentEngineLabels } from '../runtime/deployer.js';
import type { ModelLocator } from '../store/model-locator.js';
import { type EngineMemoryReport, parseEngineMemoryReport } from './engine-memory-report.js';
import { kvCacheBytes } from './kv-cache.js';
import { llamaCppComputeBytes, llamaCppKvCells } from './llama-cpp-compute.js';
import {
  appendPredictionRecords,
  type MemoryFigures,
  type PredictionRecord,
  predictionError,
} from './prediction-record.js';
import { KV_CACHE_TYPES, type KvCacheType } from './types.js';

/** Lines of the container log read back: the whole start-up report of a freshly started engine at `-lv 4`. */
const LOG_TAIL_LINES = 20_000;

/** The llama-server settings that change memory, read from a Plan entry's args (llama-server --help names). */
export interface LlamaCppMemorySettings {
  flashAttention: boolean;
  typeK: KvCacheType;
  typeV: KvCacheType;
  ubatch?: number;
  unifiedKv: boolean;
}

/** Reads the memory-relevant flags of a llama.cpp entry (pure). `-fa auto` (the default) counts as on. */
export function llamaCppMemorySettings(args: string[]): LlamaCppMemorySettings {
  const value = (...names: string[]): string | undefined => {
    let found: string | undefined;
    args.forEach((a, i) => {
      const [flag, inline] = a.split('=', 2);
      if (flag && names.includes(flag)) found = inline ?? args[i + 1];
    });
    return found;
  };
  const kvType = (v: string | undefined): KvCacheType => {
    if (v === undefined) return 'f16';
    if ((KV_CACHE_TYPES as readonly string[]).includes(v)) return v as KvCacheType;
    throw new Error(`KV cache type ${v} is not one the planner sizes (${KV_CACHE_TYPES.join(', ')})`);
  };
  const fa = value('-fa', '--flash-attn');
  const ub = value('-ub', '--ubatch-size');
  return {
    flashAttention: fa === undefined || !['off', '0', 'false'].includes(fa),
    typeK: kvType(value('-ctk', '--cache-type-k')),
    typeV: kvType(value('-ctv', '--cache-type-v')),
    ubatch: ub ? Number.parseInt(ub, 10) : undefined,
    unifiedKv: args.includes('-kvu') || args.includes('--kv-unified'),
  };
}

/** What the planner predicts for a llama.cpp entry whose GGUF file is at hand. */
export interface LlamaCppEntryPrediction {
  figures: MemoryFigures;
  kvCellsPerSeq: number;
  streams: number;
  settings: LlamaCppMemorySettings;
  fileType?: string;
}

/**
 * Predicts the memory llama-server allocates for an entry (reads only the GGUF header): weights are the exact
 * tensor bytes of the file, the KV cache is kvCacheBytes over llama.cpp's cells for `-c`/`--parallel`, compute is
 * llamaCppComputeBytes.
 */
export async function predictLlamaCppEntry(entry: LlamaCppEntry): Promise<LlamaCppEntryPrediction> {
  const file = await readGgufFile(entry.model);
  const g = ggufModelShape(file.metadata);
  const need = (v: number | undefined, key: string): number => {
    if (v === undefined) throw new Error(`${entry.model} does not state ${g.architecture}.${key}`);
    return v;
  };
  const layers = need(g.blockCount, 'block_count');
  const hiddenSize = need(g.embeddingLength, 'embedding_length');
  const heads = need(g.headCount, 'attention.head_count');
  const shape: ModelShape = {
    architecture: g.architecture,
    layers,
    hiddenSize,
    heads,
    kvHeads: need(g.headCountKv, 'attention.head_count_kv'),
    headDim: need(g.keyLength, 'attention.key_length'),
    ffnSize: need(g.feedForwardLength, 'feed_forward_length'),
    vocabSize: need(g.vocabSize, 'vocab_size'),
    trainedContext: g.contextLength ?? entry.contextLength,
    params: 1,
    tiedEmbeddings: !file.tensors.some((t) => t.name === 'output.weight'),
  };
  const settings = llamaCppMemorySettings(entry.args);
  const { cellsPerSeq, streams } = llamaCppKvCells(entry.contextLength, entry.parallel, {
    flashAttention: settings.flashAttention,
    unified: settings.unifiedKv,
  });
  const weightsBytes = file.tensorBytes;
  const kv = kvCacheBytes(shape, {
    tokensPerSeq: cellsPerSeq,
    seqs: streams,
    typeK: settings.typeK,
    typeV: settings.typeV,
    engine: 'llama.cpp',
  });
  const compute = llamaCppComputeBytes(
    {
      layers,
      hiddenSize,
      heads,
      vocabSize: shape.vocabSize,
      ffnWidth: shape.ffnSize * (g.expertUsedCount ?? 1),
    },
    {
      nCtx: entry.contextLength,
      kvCellsPerSeq: cellsPerSeq,
      parallel: entry.parallel,
      flashAttention: settings.flashAttention,
      ubatch: settings.ubatch,
    },
  );
  return {
    figures: {
      weightsBytes,
      kvCacheBytes: kv,
      computeBytes: compute,
      totalBytes: weightsBytes + kv + compute,
    },
    kvCellsPerSeq: cellsPerSeq,
    streams,
    settings,
    fileType: file.fileType?.name,
  };
}

/** The engine's own figures in the record's shape. */
export function actualFigures(report: EngineMemoryReport): MemoryFigures {
  const computeBytes = report.computeBytes + report.outputBytes;
  return {
    weightsBytes: report.modelBytes,
    kvCacheBytes: report.kvCacheBytes,
    computeBytes,
    totalBytes: report.modelBytes + report.kvCacheBytes + computeBytes,
  };
}

/**
 * After `ops up`: for each llama.cpp entry of the Plan, reads what llama-server reported it allocated (its
 * container log), predicts the same figures from the GGUF file and the entry's settings, and appends predicted vs
 * actual to `$OPS_HOME/predictions/llama.cpp.json`. An entry that cannot be checked is reported as a warning and
 * skipped; this never throws for one entry. Returns the records written.
 */
export async function checkPredictions(
  plan: Plan,
  runtime: ContainerRuntime,
  bus: EventBus,
  stateDir: Pick<StateDir, 'root'>,
  models: ModelLocator,
): Promise<PredictionRecord[]> {
  const checkedAt = new Date().toISOString();
  const records: PredictionRecord[] = [];
  const containers = await runtime.list(deploymentEngineLabels(plan.deployment));
  for (const entry of plan.engines) {
    if (entry.engine !== 'llama.cpp') continue;
    const warn = (why: string) =>
      bus.emit({ kind: 'log', level: 'warn', message: `memory check of ${entry.name} skipped: ${why}` });
    const container = containers.find((c) => c.labels[LABEL.name] === entry.name);
    if (!container) {
      warn('its container is not running');
      continue;
    }
    try {
      const report = parseEngineMemoryReport(await runtime.logs(container.id, LOG_TAIL_LINES));
      if (!report) {
        warn('the engine log has no memory report (llama-server prints it at -lv 4 and above)');
        continue;
      }
      const prediction = await predictLlamaCppEntry({
        ...entry,
        model: models.path(entry.model, plan.sourceDir),
      });
      const actual = actualFigures(report);
      const record: PredictionRecord = {
        checkedAt,
        deployment: plan.deployment,
        entry: entry.name,
        engine: 'llama.cpp',
        model: entry.model,
        fileType: prediction.fileType,
        contextLength: entry.contextLength,
        parallel: entry.parallel,
        kvCellsPerSeq: report.kvCellsPerSeq ?? prediction.kvCellsPerSeq,
        kvCacheType:
          prediction.settings.typeK === prediction.settings.typeV
            ? prediction.settings.typeK
            : `${prediction.settings.typeK}/${prediction.settings.typeV}`,
        flashAttention: prediction.settings.flashAttention,
        predicted: prediction.figures,
        actual,
        error: predictionError(prediction.figures, actual),
      };
      records.push(record);
      bus.emit({
        kind: 'log',
        level: 'info',
        message: `${entry.name}: predicted ${mib(record.predicted.totalBytes)}, llama.cpp allocated ${mib(actual.totalBytes)} (${pct(record.error.totalBytes)})`,
      });
    } catch (cause) {
      warn(cause instanceof Error ? cause.message : String(cause));
    }
  }
  if (records.length > 0) appendPredictionRecords(stateDir, records);
  return records;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function pct(e: number): string {
  return `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
}
