/** One GPU of a cluster node, as the cluster description names it. */
export interface ClusterGpu {
  name: string;
  vramMiB: number;
}

/** One Kubernetes node (or SSH host) and its GPUs. */
export interface ClusterNode {
  name: string;
  gpus: ClusterGpu[];
}

/** What a cluster offers: nodes × GPUs. Written by hand or from `kubectl get nodes` / `ops detect --json`. */
export interface ClusterDescription {
  nodes: ClusterNode[];
}

/** The parts of a model's shape that decide how it can be split across GPUs. */
export interface ParallelModelShape {
  attentionHeads: number;
  kvHeads: number;
  layers: number;
  weightsBytes: number;
}

/** How one model is split: a tensor-parallel group inside each node, pipeline stages across nodes. */
export interface ParallelLayout {
  tensorParallel: number;
  pipelineParallel: number;
  /** Nodes that hold one pipeline stage each, in stage order. */
  nodes: string[];
  weightsPerGpuMiB: number;
  /** What was tried and why this layout was chosen, in order. */
  reasons: string[];
}

/** Either a layout, or why none fits (every candidate tried, with its reason). */
export type ParallelPlan = { ok: true; layout: ParallelLayout } | { ok: false; reasons: string[] };

/** Memory rules the fit uses; defaults follow vLLM and DESIGN.md §4. */
export interface ParallelFitOptions {
  /** vLLM's `--gpu-memory-utilization` (default 0.9): the share of each GPU vLLM may take. */
  gpuMemoryUtilization?: number;
  /** Per-GPU reserve for CUDA graphs and activations (GPUStack adds 2 GiB for vLLM). */
  reserveMiB?: number;
  /** Share of the per-GPU budget kept for the paged KV cache, so at least some requests fit. */
  kvCacheShare?: number;
}
