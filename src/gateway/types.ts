import type { EngineKind } from '../plan/types.js';

/** Where an upstream runs: on this box (`local`) or a paid API elsewhere (`cloud`). Usage records carry it. */
export type RouteLocation = 'local' | 'cloud';

/**
 * One OpenAI-compatible upstream the gateway can send requests to. Built from a Plan by `upstreamsFromPlan`,
 * or directly by tests and embedders.
 */
export interface UpstreamDescriptor {
  /** Entry name from the Plan; routes by this name too. */
  name: string;
  /** OpenAI base URL including its version prefix, e.g. `http://127.0.0.1:8001/v1`. */
  baseUrl: string;
  aliases: string[];
  /** Total context the engine was started with (llama.cpp `-c`, vLLM `--max-model-len`). */
  contextLength: number;
  /** Concurrent request slots (llama.cpp `--parallel`); also the gateway's concurrency for this upstream. */
  parallel: number;
  /** Sent as `Authorization: Bearer`; never logged. */
  apiKey?: string;
  /** Model id the upstream serves; requests are rewritten to it. Defaults to `name`. */
  upstreamModel?: string;
  /** Engine behind it; decides the tokenizer endpoint and whether context is split per slot. */
  engine?: EngineKind;
  /** Whether the model accepts images (llama.cpp started with `--mmproj`). */
  vision?: boolean;
  location?: RouteLocation;
  /** The upstream this one is a data-parallel copy of (Plan `replicaOf`): requests for it are balanced over both. */
  replicaOf?: string;
  /** llama.cpp only: `constrained` holds tool calls to a grammar of the offered tools (`constrained-tool-calls.ts`). */
  toolCalls?: 'native' | 'constrained';
}

/** Request priority in an upstream's queue: interactive work is admitted before background work. */
export type Priority = 'interactive' | 'background';

/** Which API a request came in on; errors and usage records are shaped for it. */
export type ApiKind = 'anthropic' | 'openai';

/** One record per request, for the ledger (a later issue) and anything else that counts usage. */
export interface UsageRecord {
  at: string;
  api: ApiKind;
  /** Model name the client asked for. */
  model: string;
  upstream: string;
  route: RouteLocation;
  /** The whole prompt, cache reads and writes included. */
  inputTokens: number;
  /**
   * Parts of inputTokens the cloud bills at its cache rates: read from a prompt cache (a local engine's reused KV,
   * Anthropic's `cache_read_input_tokens`) and written to the cloud's (`cache_creation_input_tokens`). Absent: none.
   */
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  outputTokens: number;
  latencyMs: number;
  /** Time to the first generated token (streams) or to the full response (non-streaming); null when none. */
  ttftMs: number | null;
  /** HTTP status the client saw (200 for streams that failed mid-way is reported as 502). */
  status: number;
  stream: boolean;
  cached: boolean;
  /**
   * Why the hybrid policy sent it where it went (src/gateway/hybrid/decide-target.ts `TargetReason`), and the
   * task rule involved; absent where no hybrid decision was made (OpenAI API traffic).
   */
  routeReason?: string;
  routeRule?: string;
  /** Prompt tokens (estimated) the gateway elided to fit the slot's context; absent when it elided none. */
  compactedTokens?: number;
}

export type UsageSink = (record: UsageRecord) => void;
