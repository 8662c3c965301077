import { z } from 'zod';
import type { Role } from '../catalog/types.js';
import type { ReplicaPlacement } from './replicas.js';

/**
 * The planner's inputs and outputs. Kept apart from the detection code: `HardwareSpec` is also the shape a user's
 * `--hardware FILE` YAML has, so a plan can be made for a machine that is not this one.
 */

const positive = z.number().positive();

export const hardwareGpuSchema = z.strictObject({
  index: z.number().int().min(0),
  name: z.string().min(1),
  vramMiB: z.number().int().positive(),
  /** Memory bandwidth; looked up in catalog/gpus.yaml by name when absent. */
  bandwidthGBs: positive.optional(),
  /** CUDA compute capability, e.g. "8.6". */
  computeCapability: z
    .string()
    .regex(/^\d+\.\d+$/, 'must look like "8.6"')
    .optional(),
});

export const hardwareSpecSchema = z.strictObject({
  gpus: z.array(hardwareGpuSchema).default([]),
  ramMiB: z.number().int().positive(),
  cpuCores: z.number().int().positive(),
  /** System memory bandwidth, for CPU-offloaded layers; a dual-channel DDR4/DDR5 desktop default is used when absent. */
  cpuBandwidthGBs: positive.optional(),
});
export type HardwareSpec = z.infer<typeof hardwareSpecSchema>;
export type HardwareGpu = z.infer<typeof hardwareGpuSchema>;

/** KV cache element types offered by both engines (vLLM's `fp8` cache counts as the 8-bit choice). */
export const KV_CACHE_TYPES = ['f16', 'q8_0', 'q4_0'] as const;
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

export type PlannerRole = Extract<Role, 'quality-coder' | 'fast-coder'>;
export type Priority = 'quality' | 'speed';
export type EngineName = 'llama.cpp' | 'vllm';

/** What the user wants from the box. */
export interface Intent {
  priority: Priority;
  /** Tokens per agent. Absent: MIN_CONTEXT_PER_AGENT (65536, coding-policy.ts). */
  contextLength?: number;
  /** Concurrent agents (llama.cpp `--parallel` slots, vLLM concurrent full-length requests). */
  agents: number;
  roles: PlannerRole[];
  /** Allowed KV cache types, best first is not required: the planner prefers f16, then q8_0, then q4_0. */
  kvCacheTypes: KvCacheType[];
  /** Engines allowed (default both). */
  engines?: EngineName[];
  /** Where weights may come from (default `hf`): `builtin`, the random-weight smoke models, only when asked for. */
  sources?: ('hf' | 'builtin')[];
  /** Restrict to these catalog model ids (default: every model for the role). */
  models?: string[];
  /** Plan weights below 4-bit K-quants (Q4_0, Q3_K, Q2_K); off unless the user asks (coding-policy.ts). */
  allowLowBitWeights?: boolean;
  /** llama.cpp flash attention (default on; off costs a score buffer and forbids a quantized V cache). */
  flashAttention?: boolean;
}

/** Memory one GPU gives a model, in bytes. */
export interface GpuShare {
  index: number;
  weightsBytes: number;
  kvCacheBytes: number;
  overheadBytes: number;
  totalBytes: number;
}

/** One model the plan runs. */
export interface PlannedModel {
  /** Catalog variant id, `<model>:<quant>:<engine>`. */
  id: string;
  role: PlannerRole;
  /** Other roles this entry also serves (nothing separate fitted for them). */
  alsoServes: PlannerRole[];
  modelId: string;
  modelName: string;
  quant: string;
  engine: EngineName;
  /** Where the weights come from (`hf` repo, or `builtin`) and the file to load. */
  source: { kind: 'hf'; repo: string } | { kind: 'builtin' };
  file?: string;
  weightsBytes: number;
  weightsSizeSource: 'catalog' | 'tensor-exact' | 'bits-per-weight';
  kvCacheBytes: number;
  overheadBytes: number;
  totalBytes: number;
  /** GPU indexes used (empty: CPU only). */
  gpus: number[];
  perGpu: GpuShare[];
  /** Bytes held in system RAM (CPU layers, token embeddings, their KV cache). */
  cpuBytes: number;
  /** The Plan entry's contextLength: llama.cpp `-c` (all slots together), vLLM `--max-model-len`. */
  contextLength: number;
  contextPerAgent: number;
  parallel: number;
  kvCacheType: KvCacheType;
  /** Extra engine arguments for the Plan entry (`-c`, `--parallel`, `--host`, `--port`, `-m` come from its fields). */
  args: string[];
  estTokensPerSec: number;
  /** Seconds to process a 20K-token prompt (Claude Code's first request) with this placement. */
  promptSeconds20k: number;
  /** Decode tokens/s summed over `parallel` agents generating at once. */
  aggregateTokensPerSec: number;
  /** Every layer on a GPU (false: some on the CPU, or a CPU-only machine). */
  fullyOnGpu: boolean;
  /** Quality score the planner ranked by: the model's quality plus the losses of its quantization and KV type. */
  score: number;
  /** llama.cpp: layers on GPU (`-ngl`) of layers + 1 (the output layer). */
  gpuLayers?: number;
  tensorParallel?: number;
  gpuMemoryUtilization?: number;
  quantization?: string;
  kvCacheDtype?: string;
  toolCallParser?: string;
  /** Data-parallel copies on GPUs no role uses (replicas.ts); each is its own Plan entry the gateway balances to. */
  replicas?: ReplicaPlacement[];
  notes: string[];
}

/** A candidate the planner did not take, and why. */
export interface Rejection {
  role: PlannerRole;
  id: string;
  modelId: string;
  quant: string;
  engine: EngineName;
  reason: string;
}

/** The planner's answer: what runs, what did not fit and why, and what would make more fit. */
export interface PlanProposal {
  entries: PlannedModel[];
  rejected: Rejection[];
  suggestions: string[];
}
