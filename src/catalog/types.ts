import { z } from 'zod';
import { QUANT_NAMES, type QuantName } from './quant-types.js';

/**
 * The model catalog as data: families → models (shape, license, roles) → variants (one file or checkpoint per
 * quantization and engine). The YAML files under catalog/models/ follow `catalogFileSchema`; the loader turns them
 * into `CatalogModel`s with every variant's weight size resolved.
 */

export const ROLES = ['quality-coder', 'fast-coder', 'embeddings'] as const;
export type Role = (typeof ROLES)[number];

const positiveInt = z.number().int().positive();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

/** Multi-head latent attention (DeepSeek-V2 family): the cache holds a compressed latent, not per-head K/V. */
const mlaSchema = z.strictObject({ kvLoraRank: positiveInt, ropeHeadDim: positiveInt });

/** Sliding-window attention: `layers` of the model only attend to the last `window` tokens. */
const slidingWindowSchema = z.strictObject({ window: positiveInt, layers: positiveInt });

/**
 * How attention keeps its cache: `gqa` (grouped-query, every layer), `mla` (DeepSeek's latent), `mla-sparse`
 * (DeepSeek-V3.2's sparse attention over an MLA cache), `gqa-swa` (some layers slide over a window; gpt-oss also
 * has attention sinks), `hybrid-linear` (Qwen3-Next/Qwen3.5: linear-attention layers with a fixed state, and
 * `kvLayers` full-attention layers with a KV cache).
 */
export const ATTENTION_KINDS = ['gqa', 'mla', 'mla-sparse', 'gqa-swa', 'hybrid-linear'] as const;

export const modelShapeSchema = z.strictObject({
  /** GGUF `general.architecture` (llama, qwen2, qwen3moe, deepseek2 …). */
  architecture: z.string().min(1),
  layers: positiveInt,
  hiddenSize: positiveInt,
  heads: positiveInt,
  kvHeads: positiveInt,
  /** Per-head K/V width (`attention.key_length`); not always hidden / heads (Qwen3 MoE differs). */
  headDim: positiveInt,
  /** Dense FFN width (per expert for MoE models). */
  ffnSize: positiveInt,
  vocabSize: positiveInt,
  trainedContext: positiveInt,
  /** Total parameters. */
  params: z.number().positive(),
  /** Parameters read per token (MoE: shared + active experts); defaults to `params`. */
  activeParams: z.number().positive().optional(),
  /** Routed experts, how many a token uses, and the always-on shared experts. */
  experts: z
    .strictObject({ total: positiveInt, active: positiveInt, shared: z.number().int().min(0).optional() })
    .optional(),
  tiedEmbeddings: z.boolean().default(false),
  /** Absent: `gqa`. */
  attention: z.enum(ATTENTION_KINDS).optional(),
  mla: mlaSchema.optional(),
  slidingWindow: slidingWindowSchema.optional(),
  /** Layers that keep a KV cache when not all do (hybrid linear attention: the full-attention layers only). */
  kvLayers: positiveInt.optional(),
  /** Learned attention sinks (gpt-oss): no effect on memory, named so a reader sees the attention kind. */
  attentionSinks: z.boolean().optional(),
});
export type ModelShape = z.infer<typeof modelShapeSchema>;

const sourceSchema = z.discriminatedUnion('kind', [
  /** A file or checkpoint on the Hugging Face hub (or a mirror of it). */
  z.strictObject({
    kind: z.literal('hf'),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name'),
  }),
  /** Generated or quantized by the project itself (the smoke model). */
  z.strictObject({ kind: z.literal('builtin') }),
]);

const quantName = z.enum(QUANT_NAMES as [QuantName, ...QuantName[]]);

export const ggufVariantSchema = z.strictObject({
  engine: z.literal('llama.cpp'),
  quant: quantName,
  source: sourceSchema,
  /** File to pass to `-m`: the only file, or the first shard (`…-00001-of-0000N.gguf`). */
  file: z.string().min(1),
  /** Real size in bytes (all shards); leave out when unknown, the loader estimates it. */
  sizeBytes: positiveInt.optional(),
  sha256: sha256.optional(),
});

export const checkpointVariantSchema = z.strictObject({
  engine: z.literal('vllm'),
  quant: quantName,
  source: sourceSchema,
  /** vLLM `--quantization` (awq, gptq, fp8); absent for BF16 and for checkpoints vLLM detects itself. */
  quantization: z.string().optional(),
  sizeBytes: positiveInt.optional(),
});

export const variantSchema = z.discriminatedUnion('engine', [ggufVariantSchema, checkpointVariantSchema]);
export type VariantSpec = z.infer<typeof variantSchema>;

/** A published coding score, with who measured it and where. */
export const benchmarkSchema = z.strictObject({
  name: z.enum(['swe-bench-verified', 'aider-polyglot']),
  /** Percent resolved / passed. */
  score: z.number().min(0).max(100),
  /** `maker`: the model's authors; `independent`: a third party running the same benchmark. */
  by: z.enum(['maker', 'independent']),
  /** Where the figure is published. */
  source: z.string().url(),
  note: z.string().optional(),
});
export type Benchmark = z.infer<typeof benchmarkSchema>;

export const modelSchema = z.strictObject({
  /** Catalog id, unique across files: `qwen2.5-coder-32b`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be lowercase letters, digits, dots and dashes'),
  /** Served model name / upstream repo of the unquantized weights. */
  name: z.string().min(1),
  license: z.string().min(1),
  roles: z.array(z.enum(ROLES)).min(1),
  /**
   * Coding quality, 0–100, that ranks models within a role: the SWE-bench Verified figure in `benchmarks` (an
   * independent one when published, else the maker's; `qualityBasis` says which), or, for legacy models without
   * one, an estimate placed below every current model. See catalog/models/README.md.
   */
  quality: z.number().min(0).max(100),
  /** Absent: an estimate. */
  qualityBasis: z.enum(['independent', 'maker', 'estimate']).optional(),
  benchmarks: z.array(benchmarkSchema).optional(),
  /** Superseded by newer open models; kept so running Plans and explicit `--models` still resolve. */
  legacy: z.boolean().optional(),
  /** The model's tool-call wire format (`hermes`, `qwen3-coder-xml`, `harmony`, `mistral`, `glm`, `deepseek`…). */
  toolCallFormat: z.string().optional(),
  /** vLLM `--tool-call-parser` for this model's tool-call format. */
  toolCallParser: z.string().optional(),
  shape: modelShapeSchema,
  variants: z.array(variantSchema).min(1),
});
export type ModelSpec = z.infer<typeof modelSchema>;

export const catalogFileSchema = z.strictObject({
  family: z.string().min(1),
  models: z.array(modelSchema).min(1),
});

/** GPU memory bandwidth table (catalog/gpus.yaml): matched against the driver's GPU name. */
export const gpuSpecSchema = z.strictObject({
  /** Case-insensitive substrings of the driver's name; the longest match across the table wins. */
  match: z.array(z.string().min(2)).min(1),
  name: z.string().min(1),
  bandwidthGBs: z.number().positive(),
  /** Dense FP16/BF16 tensor TFLOPS with FP32 accumulate (datasheet, no sparsity): prompt processing is compute-bound. */
  fp16TFlops: z.number().positive().optional(),
  vramMiB: positiveInt.optional(),
  computeCapability: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
});
export const gpuTableSchema = z.strictObject({ gpus: z.array(gpuSpecSchema).min(1) });
export type GpuSpec = z.infer<typeof gpuSpecSchema>;

/** Where a variant's weight size came from. */
export type SizeSource = 'catalog' | 'tensor-exact' | 'bits-per-weight';

/** A variant with its weight size resolved. */
export type Variant = VariantSpec & {
  /** `<model id>:<quant>:<engine>` — unique in the catalog. */
  id: string;
  weightsBytes: number;
  sizeSource: SizeSource;
};

export type CatalogModel = Omit<ModelSpec, 'variants'> & { family: string; variants: Variant[] };

/** The loaded catalog. */
export interface Catalog {
  models: CatalogModel[];
  gpus: GpuSpec[];
}
