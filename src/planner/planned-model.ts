import { type Option, qualityScore } from './candidate.js';
import type { PlannedModel, PlannerRole } from './types.js';

/**
 * Engine arguments a Plan entry carries beyond its own fields (the adapter adds `-m`, `-c`, `--parallel`, `--host`,
 * `--port` from the entry). llama-server: `-ngl` layers on GPU, `-fa on|off`, `--cache-type-k/-v` when not f16
 * (a quantized V cache needs flash attention), `-ts` layer counts per GPU in index order for a layer split.
 * vLLM: `--max-num-seqs` = agents (the concurrency the KV pool was sized for).
 */
export function engineArgs(o: Option, agents: number, flashAttention = true): string[] {
  if (o.engine === 'vllm') return ['--max-num-seqs', String(agents)];
  const args = ['-ngl', String(o.gpuLayers ?? 0), '-fa', flashAttention ? 'on' : 'off'];
  if (o.kvType !== 'f16') args.push('--cache-type-k', o.kvType, '--cache-type-v', o.kvType);
  if (o.tensorSplit) args.push('-ts', o.tensorSplit.join(','));
  if (o.cpuMoeLayers) args.push('--n-cpu-moe', String(o.cpuMoeLayers));
  return args;
}

/** Turns the chosen option for a role into the planner's output record. */
export function optionToPlanned(
  o: Option,
  role: PlannerRole,
  agents: number,
  ctxPerAgent: number,
  flashAttention = true,
): PlannedModel {
  const weightsBytes = o.variant.weightsBytes;
  const onGpu = o.perGpu.reduce((a, g) => a + g.totalBytes, 0);
  return {
    id: o.variant.id,
    role,
    alsoServes: [],
    modelId: o.model.id,
    modelName: o.model.name,
    quant: o.variant.quant,
    engine: o.engine,
    source: o.variant.source,
    file: o.variant.engine === 'llama.cpp' ? o.variant.file : undefined,
    weightsBytes,
    weightsSizeSource: o.variant.sizeSource,
    kvCacheBytes: o.kvCacheBytes,
    overheadBytes: o.overheadBytes,
    totalBytes: o.engine === 'vllm' ? onGpu : weightsBytes + o.kvCacheBytes + o.overheadBytes,
    gpus: o.perGpu.map((g) => g.index),
    perGpu: o.perGpu,
    cpuBytes: o.cpuBytes,
    contextLength: o.contextLength,
    contextPerAgent: ctxPerAgent,
    parallel: agents,
    kvCacheType: o.kvType,
    args: engineArgs(o, agents, flashAttention),
    estTokensPerSec: Math.round(o.estTokensPerSec * 10) / 10,
    promptSeconds20k: Math.round(o.promptSeconds * 10) / 10,
    aggregateTokensPerSec: Math.round(o.aggregateTokensPerSec * 10) / 10,
    fullyOnGpu: o.fullyOnGpu,
    score: Math.round(qualityScore(o) * 100) / 100,
    gpuLayers: o.gpuLayers,
    tensorParallel: o.tensorParallel,
    gpuMemoryUtilization: o.gpuMemoryUtilization,
    quantization: o.variant.engine === 'vllm' ? o.variant.quantization : undefined,
    kvCacheDtype: o.kvCacheDtype,
    toolCallParser: o.model.toolCallParser,
    notes: o.notes,
  };
}
