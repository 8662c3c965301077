import { type EventBus, silentBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import { apiKeysFromEnv } from '../gateway/auth.js';
import { Ledger, ledgerPath } from '../ledger/ledger.js';
import { readGgufFile } from '../models/gguf/gguf-reader.js';
import { DEFAULT_CPU_BANDWIDTH_GBS, UNKNOWN_GPU_BANDWIDTH_GBS } from '../planner/memory-constants.js';
import { refreshCapacityFactsAfterRuns } from '../runtime/capacity-facts-file.js';
import { recordBench } from './bench-store.js';
import { type BenchEngineEntry, benchTargets } from './bench-targets.js';
import { benchEngine } from './run-bench.js';
import { bytesPerToken, speedReference } from './speed-reference.js';
import type { EngineBench, SpeedReference } from './types.js';

export interface BenchDeploymentOptions {
  gateway?: string;
  /** Only these engines of the Plan. */
  only?: string[];
  promptSizes: number[];
  outputTokens: number;
  /** Memory bandwidth for the roofline; default the planner's assumption. */
  bandwidthGBs?: number;
  /** Agent counts are 1, 2, 4, … up to the slots; `maxAgents` stops earlier (`ops setup`'s short run: 1). */
  maxAgents?: number;
  /** Record the figures in the ledger (under this host and the model as the Plan names it). */
  store: boolean;
  bus?: EventBus;
}

/**
 * Measures the engines of the current Plan through its gateway, one after another, and records the figures in the
 * ledger: what `ops bench` does, and `ops setup`'s short run with one prompt size and one agent.
 */
export async function benchDeployment(
  state: StateDir,
  options: BenchDeploymentOptions,
): Promise<EngineBench[]> {
  const { gatewayUrl, engines } = benchTargets(state, {
    ...(options.gateway ? { gateway: options.gateway } : {}),
    ...(options.only ? { only: options.only } : {}),
  });
  const apiKey = apiKeysFromEnv(process.env)[0] ?? 'local';
  const results: EngineBench[] = [];
  for (const entry of engines) {
    const reference = await referenceFor(entry, options.bandwidthGBs);
    results.push(
      await benchEngine({
        target: { url: gatewayUrl, model: entry.name, apiKey },
        engine: entry.name,
        ...(entry.modelRef ? { model: entry.modelRef } : {}),
        contextLength: entry.contextLength,
        parallel: entry.parallel,
        ...(options.maxAgents ? { maxAgents: options.maxAgents } : {}),
        outputTokens: options.outputTokens,
        promptSizes: options.promptSizes,
        ...(reference ? { reference } : {}),
        ...(options.bus ? { bus: options.bus } : {}),
      }),
    );
  }
  if (options.store) {
    const ledger = Ledger.open(ledgerPath(state));
    try {
      for (const r of results) recordBench(ledger, r);
    } finally {
      ledger.close();
    }
    // The gateway's capacity API and task rules read the new figures from its facts file.
    refreshCapacityFactsAfterRuns(state, options.bus ?? silentBus());
  }
  return results;
}

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
