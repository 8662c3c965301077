import type { VllmEntry } from '../../plan/types.js';
import { planParallelism } from './plan-parallelism.js';
import { pipelineParallelProblem, tensorParallelProblem } from './tensor-parallel-rule.js';
import type { ClusterDescription, ParallelModelShape } from './types.js';

/** How one vLLM entry runs on a cluster: `pods` pods (one per pipeline stage) of `gpusPerPod` GPUs each. */
export interface VllmClusterLayout {
  tensorParallel: number;
  pipelineParallel: number;
  gpusPerPod: number;
  pods: number;
  totalGpus: number;
  /** More than one pod: the model is served by a Ray cluster of pods (LeaderWorkerSet or Ray head/workers). */
  multiNode: boolean;
  reasons: string[];
}

/** What the layout may be checked against: the cluster and the model's shape, each when known. */
export interface VllmLayoutContext {
  cluster?: ClusterDescription;
  shape?: ParallelModelShape;
}

const PP_FLAGS = ['--pipeline-parallel-size', '-pp'];

/** The pipeline-parallel size written in the entry's extra vLLM args (`--pipeline-parallel-size N`), if any. */
export function pipelineParallelFromArgs(args: readonly string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [flag, inline] = arg.split('=', 2);
    if (!PP_FLAGS.includes(flag ?? '')) continue;
    const value = Number(inline ?? args[i + 1]);
    return Number.isInteger(value) && value > 0 ? value : Number.NaN;
  }
  return undefined;
}

/**
 * Decides TP and PP for a vLLM entry on a cluster. The Plan's numbers win (`tensorParallel`, the GPU list, a
 * `--pipeline-parallel-size` arg) and are checked against the head-count rule and the nodes; only an entry that
 * leaves them open (`gpus: all`, no `tensorParallel`) is sized by `planParallelism`. Pure; never throws.
 */
export function resolveVllmLayout(
  entry: VllmEntry,
  ctx: VllmLayoutContext = {},
): { layout?: VllmClusterLayout; problems: string[] } {
  const problems: string[] = [];
  const reasons: string[] = [];
  const argPp = pipelineParallelFromArgs(entry.args);
  if (argPp !== undefined && Number.isNaN(argPp)) {
    return { problems: ['--pipeline-parallel-size in args needs a positive integer'] };
  }
  let tp = entry.tensorParallel;
  let pp = argPp ?? 1;
  if (tp === undefined && Array.isArray(entry.gpus)) {
    if (entry.gpus.length === 0) return { problems: ['vLLM needs at least one GPU; the entry lists none'] };
    if (entry.gpus.length % pp !== 0) {
      return { problems: [`${entry.gpus.length} GPUs cannot be split into ${pp} equal pipeline stages`] };
    }
    tp = entry.gpus.length / pp;
    reasons.push(`TP=${tp} PP=${pp} from the Plan's ${entry.gpus.length} GPU(s)`);
  } else if (tp === undefined) {
    if (!ctx.cluster) {
      return {
        problems: [
          'gpus: all with no tensorParallel: set tensorParallel, or describe the cluster (ops:cluster)',
        ],
      };
    }
    if (ctx.shape && argPp === undefined) {
      const planned = planParallelism(ctx.cluster, ctx.shape, {
        gpuMemoryUtilization: entry.gpuMemoryUtilization,
      });
      if (!planned.ok) return { problems: planned.reasons };
      tp = planned.layout.tensorParallel;
      pp = planned.layout.pipelineParallel;
      reasons.push(...planned.layout.reasons);
    } else {
      tp = Math.min(...ctx.cluster.nodes.filter((n) => n.gpus.length > 0).map((n) => n.gpus.length));
      reasons.push(`TP=${tp}: every GPU of the smallest GPU node (gpus: all)`);
    }
  } else {
    reasons.push(`TP=${tp} PP=${pp} as the Plan says`);
  }

  if (ctx.shape) {
    const tpProblem = tensorParallelProblem(tp, ctx.shape);
    if (tpProblem) problems.push(tpProblem);
    const ppProblem = pipelineParallelProblem(pp, ctx.shape);
    if (ppProblem) problems.push(ppProblem);
  }
  if (ctx.cluster) {
    const fitting = ctx.cluster.nodes.filter((n) => n.gpus.length >= (tp ?? 1));
    if (fitting.length === 0) {
      const most = Math.max(0, ...ctx.cluster.nodes.map((n) => n.gpus.length));
      problems.push(
        `TP=${tp} needs ${tp} GPUs in one node (a tensor-parallel group never spans nodes); the largest node has ${most}`,
      );
    } else if (fitting.length < pp) {
      problems.push(`PP=${pp} needs ${pp} nodes with ${tp} GPUs each; the cluster has ${fitting.length}`);
    }
  }
  if (problems.length > 0) return { problems };
  return {
    layout: {
      tensorParallel: tp,
      pipelineParallel: pp,
      gpusPerPod: tp,
      pods: pp,
      totalGpus: tp * pp,
      multiNode: pp > 1,
      reasons,
    },
    problems,
  };
}

/** The entry as vLLM should see it with this layout: TP set, `--pipeline-parallel-size` in args when PP > 1. */
export function entryWithLayout(entry: VllmEntry, layout: VllmClusterLayout): VllmEntry {
  const args: string[] = [];
  for (let i = 0; i < entry.args.length; i++) {
    const arg = entry.args[i] ?? '';
    const flag = arg.split('=', 1)[0] ?? '';
    if (PP_FLAGS.includes(flag)) {
      if (!arg.includes('=')) i++;
      continue;
    }
    args.push(arg);
  }
  if (layout.pipelineParallel > 1) args.push('--pipeline-parallel-size', String(layout.pipelineParallel));
  return { ...entry, tensorParallel: layout.tensorParallel, args };
}
