import { z } from 'zod';
import { DEFAULT_MONITORING_IMAGES } from '../monitoring/default-images.js';

/** Engine kinds a Plan entry may name. `external` is an OpenAI-compatible URL that `ops up` does not start. */
export const ENGINE_KINDS = ['llama.cpp', 'vllm', 'external'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

const name = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,40}$/,
    'must be lowercase letters, digits and dashes (max 41), starting alphanumeric',
  );
const port = z.number().int().min(1).max(65535);
const alias = z.string().min(1).max(128);

/** GPU assignment: device ids, `all`, or none (an empty list = CPU only). */
export const gpuSelectionSchema = z.union([z.literal('all'), z.array(z.number().int().min(0)).max(64)]);
export type GpuSelection = z.infer<typeof gpuSelectionSchema>;

const commonFields = {
  name,
  aliases: z.array(alias).default([]),
  contextLength: z.number().int().min(256).max(10_000_000),
  parallel: z.number().int().min(1).max(1024).default(1),
};

const containerFields = {
  ...commonFields,
  image: z.string().min(1).optional(),
  /** Path to the model: a GGUF file for llama.cpp, a file or checkpoint directory for vLLM. Relative to the Plan. */
  model: z.string().min(1),
  gpus: gpuSelectionSchema.default([]),
  args: z.array(z.string()).default([]),
  port,
  host: z.string().default('127.0.0.1'),
  healthTimeoutS: z.number().int().min(1).max(7200).default(180),
  /**
   * Name of the entry this one is a data-parallel copy of (same engine and model on other GPUs): the gateway
   * balances requests for the first entry's names and aliases over it and its copies.
   */
  replicaOf: name.optional(),
};

export const llamaCppEntrySchema = z.strictObject({
  engine: z.literal('llama.cpp'),
  ...containerFields,
  /**
   * How the gateway gets tool calls from this model: `native` (the chat template's own format, the default) or
   * `constrained` (held to a grammar of the offered tools' schemas; for models whose calls are unreliable).
   */
  toolCalls: z.enum(['native', 'constrained']).optional(),
});
export const vllmEntrySchema = z.strictObject({
  engine: z.literal('vllm'),
  ...containerFields,
  /** Name the engine serves the model under; defaults to the entry name. */
  servedModelName: z.string().optional(),
  tensorParallel: z.number().int().min(1).max(64).optional(),
  gpuMemoryUtilization: z.number().gt(0).max(1).default(0.9),
  quantization: z.string().optional(),
  kvCacheDtype: z.string().optional(),
  toolCallParser: z.string().optional(),
});
export const externalEntrySchema = z.strictObject({
  engine: z.literal('external'),
  ...commonFields,
  baseUrl: z.url(),
  /** Model id to send upstream; defaults to the entry name. */
  upstreamModel: z.string().optional(),
  /** Name of the environment variable that holds the API key (the key itself never goes in a Plan). */
  apiKeyEnv: z.string().optional(),
});

export const engineEntrySchemas = {
  'llama.cpp': llamaCppEntrySchema,
  vllm: vllmEntrySchema,
  external: externalEntrySchema,
} as const;

export type LlamaCppEntry = z.infer<typeof llamaCppEntrySchema>;
export type VllmEntry = z.infer<typeof vllmEntrySchema>;
export type ExternalEntry = z.infer<typeof externalEntrySchema>;
export type EngineEntry = LlamaCppEntry | VllmEntry | ExternalEntry;
export type ContainerEntry = LlamaCppEntry | VllmEntry;

/** One routing rule by what a request is; every condition given must hold. */
export const taskRuleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes'),
  when: z
    .strictObject({
      /** The Claude tier the client asked for (Claude Code's opus/sonnet/haiku model names). */
      tier: z
        .array(z.enum(['opus', 'sonnet', 'haiku']))
        .min(1)
        .optional(),
      promptTokensAbove: z.number().int().nonnegative().optional(),
      /** Tool results answered since the user last wrote. */
      toolLoopDepthAbove: z.number().int().nonnegative().optional(),
      /** `tool-use` when the request offers tools, else `code`. */
      taskKind: z
        .array(z.enum(['code', 'tool-use']))
        .min(1)
        .optional(),
      /** The local model's eval pass rate for this kind of task is below this (never holds without an eval). */
      localPassRateBelow: z.number().gt(0).max(1).optional(),
    })
    .default({}),
  route: z.enum(['local', 'cloud']),
});

/** Hybrid routing: whether and when the gateway may send Anthropic traffic to the cloud (default: never). */
export const gatewayCloudSchema = z.strictObject({
  mode: z.enum(['local-only', 'local-first', 'cloud-first']).default('local-only'),
  baseUrl: z.url().optional(),
  /** Name of the variable holding the cloud API key (the key itself never goes in a Plan). */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')
    .default('ANTHROPIC_API_KEY'),
  defaultModel: z.string().optional(),
  overflowQueueDepth: z.number().int().min(0).optional(),
  weeklyCap: z
    .strictObject({
      tokens: z.number().int().positive().optional(),
      usd: z.number().positive().optional(),
      inputUsdPerMTok: z.number().nonnegative().optional(),
      outputUsdPerMTok: z.number().nonnegative().optional(),
    })
    .optional() /**
   * Routing by task (src/gateway/hybrid/task-rules.ts): tried in order, the first whose every condition holds
   * sends the request to `route`, unless that side cannot take it (down, cap spent, local full). Each
   * decision is recorded with the rule's name in the usage records.
   */,
  rules: z.array(taskRuleSchema).max(64).optional(),
});

/** Gateway timeouts in milliseconds; each absent one takes the gateway's default (src/gateway/timeouts.ts). */
export const gatewayTimeoutsSchema = z.strictObject({
  headersMs: z.number().int().min(100).optional(),
  requestBodyMs: z.number().int().min(100).optional(),
  upstreamConnectMs: z.number().int().min(100).optional(),
  upstreamFirstByteMs: z.number().int().min(100).optional(),
  upstreamIdleMs: z.number().int().min(100).optional(),
});

export const gatewaySchema = z.strictObject({
  enabled: z.boolean().default(true),
  port: port.default(8080),
  host: z.string().default('127.0.0.1'),
  /** Alias → engine entry name, e.g. `quality: coder-32b`. Entry names and their own aliases route too. */
  aliases: z.record(alias, name).default({}),
  cloud: gatewayCloudSchema.optional(),
  timeouts: gatewayTimeoutsSchema.optional(),
  /** Whether the gateway compacts a Claude Code conversation that outgrows its slot (default true). */
  compactConversations: z.boolean().optional(),
  /** Whether reasoning models' reasoning is returned as thinking blocks (default true). */
  returnReasoning: z.boolean().optional(),
  /** Whether each conversation keeps its llama.cpp slot, for prompt-cache reuse (default true). */
  slotAffinity: z.boolean().optional(),
});

const image = z.string().min(1);

/** The monitoring stack `ops up` starts: Prometheus, exporters, Grafana. Present = wanted, unless `enabled: false`. */
export const monitoringSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Address Prometheus and Grafana bind; the exporters always bind 127.0.0.1. */
  host: z.string().default('127.0.0.1'),
  prometheusPort: port.default(9090),
  grafanaPort: port.default(3000),
  nodeExporterPort: port.default(9100),
  dcgmExporterPort: port.default(9400),
  /** Prometheus keeps 15 days by default; a month-on-month look back needs more than 31. */
  retentionDays: z.number().int().min(1).max(3650).default(45),
  scrapeIntervalS: z.number().int().min(1).max(300).default(15),
  /** Pinned defaults; override to name copies in an internal registry. */
  images: z
    .strictObject({
      prometheus: image.default(DEFAULT_MONITORING_IMAGES.prometheus),
      grafana: image.default(DEFAULT_MONITORING_IMAGES.grafana),
      dcgmExporter: image.default(DEFAULT_MONITORING_IMAGES.dcgmExporter),
      nodeExporter: image.default(DEFAULT_MONITORING_IMAGES.nodeExporter),
    })
    .default({ ...DEFAULT_MONITORING_IMAGES }),
});
export type MonitoringSettings = z.infer<typeof monitoringSchema>;

export const planSchema = z.strictObject({
  version: z.literal(1),
  deployment: name.default('default'),
  engines: z.array(z.unknown()).min(1, 'a Plan needs at least one engine'),
  gateway: gatewaySchema.optional(),
  monitoring: monitoringSchema.optional(),
});

/** A validated Plan, with model paths resolved to absolute paths. */
export interface Plan {
  version: 1;
  deployment: string;
  engines: EngineEntry[];
  gateway?: z.infer<typeof gatewaySchema>;
  monitoring?: MonitoringSettings;
  /** Directory the Plan was read from (relative model paths are resolved against it). */
  sourceDir: string;
}

export function isContainerEntry(entry: EngineEntry): entry is ContainerEntry {
  return entry.engine !== 'external';
}

/** The outcome of validating a Plan: the Plan when there were no problems, and every problem and warning. */
export interface PlanValidation {
  plan?: Plan;
  /**
   * When the document has problems but its top level parses: a Plan of the entries that did, with each one's index
   * in the file, so `up` can still list the host's problems with them in the same report.
   */
  partial?: { plan: Plan; entryIndexes: number[] };
  problems: { path: string; message: string }[];
  warnings: { path: string; message: string }[];
}
