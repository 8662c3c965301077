/** One timed request: how long until the first token, and how fast the rest came. */
export interface StreamTiming {
  promptTokens: number;
  completionTokens: number;
  /** Request sent → first content token. */
  ttftMs: number;
  /** First token → last token. */
  decodeMs: number;
  totalMs: number;
}

/** Time to first token at one prompt size, with the prompt cache cold and then warm. */
export interface PromptSizeResult {
  /** Asked-for prompt size in tokens (2K, 20K, 60K, capped to the engine's context per slot). */
  targetTokens: number;
  promptTokens: number;
  coldTtftMs: number;
  warmTtftMs: number;
  /** Prompt processing speed: prompt tokens ÷ cold TTFT. */
  promptTokensPerS: number;
}

/** Decode with k agents at once: aggregate throughput and what each agent sees. */
export interface ConcurrencyResult {
  agents: number;
  aggregateTokensPerS: number;
  perAgentTokensPerS: number;
  meanTtftMs: number;
}

/** The speed figures the planner predicts and the memory-bandwidth ceiling, beside which measurements are shown. */
export interface SpeedReference {
  /** Bytes read per generated token (weights, except the embedding lookup). */
  bytesPerToken: number;
  bandwidthGBs: number;
  /** Where the bandwidth came from: the flag, or the planner's assumption for an unknown memory. */
  bandwidthSource: 'given' | 'assumed-cpu' | 'assumed-gpu';
  /** bandwidth ÷ bytes per token: no engine can decode one stream faster. */
  rooflineTokensPerS: number;
  /** The planner's formula (src/planner/llama-cpp-fit.ts): roofline × its bandwidth efficiency. */
  plannerTokensPerS: number;
}

/** `ops bench` for one engine of the deployment. */
export interface EngineBench {
  engine: string;
  model: string;
  host: string;
  startedAt: string;
  contextPerSlot: number;
  slots: number;
  decodeTokensPerS: number;
  promptTokensPerS: number;
  prompts: PromptSizeResult[];
  /** Sizes left out because they do not fit the context per slot. */
  skippedSizes: number[];
  concurrency: ConcurrencyResult[];
  reference?: SpeedReference;
}
