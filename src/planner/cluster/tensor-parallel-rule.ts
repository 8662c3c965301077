import type { ParallelModelShape } from './types.js';

/**
 * Why vLLM would refuse this tensor-parallel size for the model, or undefined when it is allowed.
 * vLLM shards attention heads evenly, so `heads % TP == 0`; KV heads are sharded when there are at least TP of
 * them and replicated otherwise, which needs `kvHeads % TP == 0` or `TP % kvHeads == 0`
 * (vLLM `ParallelConfig` / `QKVParallelLinear`).
 */
export function tensorParallelProblem(tensorParallel: number, shape: ParallelModelShape): string | undefined {
  if (!Number.isInteger(tensorParallel) || tensorParallel < 1) {
    return `tensor parallel size must be a positive integer, got ${tensorParallel}`;
  }
  if (shape.attentionHeads % tensorParallel !== 0) {
    return `TP=${tensorParallel} does not divide the ${shape.attentionHeads} attention heads (vLLM needs heads % TP == 0)`;
  }
  const kv = shape.kvHeads;
  if (kv >= tensorParallel ? kv % tensorParallel !== 0 : tensorParallel % kv !== 0) {
    return `TP=${tensorParallel} cannot shard or replicate the ${kv} KV heads evenly`;
  }
  return undefined;
}

/** Tensor-parallel sizes from 1 to `max` that vLLM accepts for the model, ascending. */
export function allowedTensorParallelSizes(shape: ParallelModelShape, max: number): number[] {
  const sizes: number[] = [];
  for (let tp = 1; tp <= max; tp++) if (!tensorParallelProblem(tp, shape)) sizes.push(tp);
  return sizes;
}

/** Why vLLM would refuse this pipeline-parallel size, or undefined: every stage needs at least one layer. */
export function pipelineParallelProblem(
  pipelineParallel: number,
  shape: ParallelModelShape,
): string | undefined {
  if (!Number.isInteger(pipelineParallel) || pipelineParallel < 1) {
    return `pipeline parallel size must be a positive integer, got ${pipelineParallel}`;
  }
  if (pipelineParallel > shape.layers) {
    return `PP=${pipelineParallel} exceeds the ${shape.layers} layers (each stage needs at least one)`;
  }
  return undefined;
}
