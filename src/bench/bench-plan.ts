/** Prompt sizes Claude Code really sends: a short turn, its ~19K first request, a long session (DESIGN.md §4). */
export const DEFAULT_PROMPT_SIZES = [2048, 20_000, 60_000];

export interface BenchSteps {
  promptSizes: number[];
  skippedSizes: number[];
  concurrency: number[];
  contextPerSlot: number;
}

/**
 * What to measure for one engine (pure): the prompt sizes that fit one slot's context with room for the output,
 * and agent counts 1, 2, 4, … up to the slots (the last one exactly the slots, or `maxAgents`).
 */
export function planBenchSteps(input: {
  contextLength: number;
  parallel: number;
  outputTokens: number;
  promptSizes?: number[];
  /** Stop the agent counts here (a short run); default the slots. */
  maxAgents?: number;
}): BenchSteps {
  // llama.cpp splits -c over --parallel slots (DESIGN.md §4); vLLM's max-model-len is per request, but the
  // smaller bound is the safe one for both.
  const contextPerSlot = Math.floor(input.contextLength / Math.max(1, input.parallel));
  const room = contextPerSlot - input.outputTokens - 64;
  const sizes = input.promptSizes ?? DEFAULT_PROMPT_SIZES;
  const promptSizes = sizes.filter((s) => s <= room);
  const skippedSizes = sizes.filter((s) => s > room);
  // A capped size still shows the trend when even the smallest does not fit.
  if (promptSizes.length === 0 && room >= 256) promptSizes.push(room);
  const agents = Math.max(1, Math.min(input.parallel, input.maxAgents ?? input.parallel));
  const concurrency: number[] = [];
  for (let k = 1; k < agents; k *= 2) concurrency.push(k);
  concurrency.push(agents);
  return { promptSizes, skippedSizes, concurrency, contextPerSlot };
}
