import {
  allowedTensorParallelSizes,
  pipelineParallelProblem,
  tensorParallelProblem,
} from './tensor-parallel-rule.js';
import type {
  ClusterDescription,
  ClusterNode,
  ParallelFitOptions,
  ParallelModelShape,
  ParallelPlan,
} from './types.js';

const MiB = 1024 ** 2;
/** vLLM's default `--gpu-memory-utilization`. */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;
/** GPUStack reserves 2 GiB per GPU for vLLM's CUDA graphs (DESIGN.md §4). */
export const DEFAULT_RESERVE_MIB = 2048;
/** Keep a tenth of the budget for the KV cache so a fitted model can still take requests. */
export const DEFAULT_KV_CACHE_SHARE = 0.1;

/** MiB one GPU of this size offers to weights once vLLM's share, the reserve and the KV share are taken off. */
export function weightsBudgetMiB(vramMiB: number, options: ParallelFitOptions = {}): number {
  const utilization = options.gpuMemoryUtilization ?? DEFAULT_GPU_MEMORY_UTILIZATION;
  const reserve = options.reserveMiB ?? DEFAULT_RESERVE_MIB;
  const kvShare = options.kvCacheShare ?? DEFAULT_KV_CACHE_SHARE;
  return Math.floor(vramMiB * utilization * (1 - kvShare) - reserve);
}

/** The smallest GPU of a node bounds every rank placed on it (vLLM splits weights evenly across ranks). */
function smallestGpuMiB(node: ClusterNode): number {
  return Math.min(...node.gpus.map((g) => g.vramMiB));
}

/**
 * Chooses tensor- and pipeline-parallel sizes for a model on a cluster. Pure.
 * Rules: a tensor-parallel group stays inside one node (it all-reduces every layer, so it needs NVLink/PCIe, not
 * the network); TP divides the heads (vLLM); pipeline stages go across nodes, one node each, all with the same
 * TP (vLLM's multi-node recipe: TP = GPUs per node, PP = nodes). Fewest nodes first; on one node the smallest TP
 * that fits (leaves GPUs for other models); across nodes the largest TP each node allows.
 */
export function planParallelism(
  cluster: ClusterDescription,
  shape: ParallelModelShape,
  options: ParallelFitOptions = {},
): ParallelPlan {
  const reasons: string[] = [];
  const nodes = cluster.nodes.filter((n) => n.gpus.length > 0);
  if (nodes.length === 0) return { ok: false, reasons: ['the cluster description has no node with a GPU'] };
  const weightsMiB = shape.weightsBytes / MiB;
  const maxGpusPerNode = Math.max(...nodes.map((n) => n.gpus.length));
  for (let tp = 1; tp <= maxGpusPerNode; tp++) {
    const problem = tensorParallelProblem(tp, shape);
    if (problem) reasons.push(`${problem}: refused`);
  }
  const sizes = allowedTensorParallelSizes(shape, maxGpusPerNode);

  for (let pp = 1; pp <= nodes.length; pp++) {
    const ppProblem = pipelineParallelProblem(pp, shape);
    if (ppProblem) {
      reasons.push(ppProblem);
      break;
    }
    const tpOrder = pp === 1 ? sizes : [...sizes].reverse();
    for (const tp of tpOrder) {
      // The pp nodes with room for a TP group and the largest GPUs hold the stages.
      const eligible = nodes
        .filter((n) => n.gpus.length >= tp)
        .sort((a, b) => smallestGpuMiB(b) - smallestGpuMiB(a));
      if (eligible.length < pp) continue;
      const chosen = eligible.slice(0, pp);
      const budget = Math.min(...chosen.map((n) => weightsBudgetMiB(smallestGpuMiB(n), options)));
      const perGpu = Math.ceil(weightsMiB / (tp * pp));
      const where = chosen.map((n) => n.name).join(', ');
      if (perGpu > budget) {
        reasons.push(
          `TP=${tp} PP=${pp}: ${perGpu} MiB of weights per GPU > ${budget} MiB usable on ${where}`,
        );
        continue;
      }
      reasons.push(
        `chose TP=${tp} PP=${pp} on ${where}: ${perGpu} MiB of weights per GPU ≤ ${budget} MiB usable`,
      );
      return {
        ok: true,
        layout: {
          tensorParallel: tp,
          pipelineParallel: pp,
          nodes: chosen.map((n) => n.name),
          weightsPerGpuMiB: perGpu,
          reasons,
        },
      };
    }
  }
  reasons.push(
    `no layout fits ${Math.ceil(weightsMiB)} MiB of weights on ${nodes.length} node(s) of at most ${maxGpusPerNode} GPU(s)`,
  );
  return { ok: false, reasons };
}
