import { hostname } from 'node:os';
import { type EventBus, silentBus } from '../core/events.js';
import { planBenchSteps } from './bench-plan.js';
import { fillerPrompt } from './filler-prompt.js';
import { type ProbeTarget, timeStreamedCompletion } from './stream-probe.js';
import type { ConcurrencyResult, EngineBench, PromptSizeResult, SpeedReference } from './types.js';

export interface BenchEngineOptions {
  target: ProbeTarget;
  engine: string;
  /** The model as the Plan names it, recorded with the figures (default: the name requests use). */
  model?: string;
  contextLength: number;
  parallel: number;
  /** Tokens generated per decode request. */
  outputTokens?: number;
  promptSizes?: number[];
  /** Stop the agent counts here (default: the slots). */
  maxAgents?: number;
  reference?: SpeedReference;
  bus?: EventBus;
}

/**
 * Measures one engine through the gateway: prompt processing and time to first token at each prompt size (cold,
 * then warm: the same prompt again, served from the engine's prompt cache), then decode speed with 1, 2, 4, …
 * agents at once up to the slots.
 */
export async function benchEngine(options: BenchEngineOptions): Promise<EngineBench> {
  const bus = options.bus ?? silentBus();
  const outputTokens = options.outputTokens ?? 64;
  const steps = planBenchSteps({
    contextLength: options.contextLength,
    parallel: options.parallel,
    outputTokens,
    ...(options.promptSizes ? { promptSizes: options.promptSizes } : {}),
    ...(options.maxAgents ? { maxAgents: options.maxAgents } : {}),
  });
  const startedAt = new Date().toISOString();
  const step = (name: string) =>
    bus.emit({ kind: 'step:start', step: `bench ${options.engine}`, detail: name });

  step('warm-up and tokenizer calibration');
  await timeStreamedCompletion(options.target, 'Say hi.', 4);
  // Two sizes give tokens per character and the chat template's fixed overhead, whatever the tokenizer.
  // Small enough for any context (a byte-level vocabulary spends more than one token per character).
  const small = await timeStreamedCompletion(options.target, fillerPrompt(200), 1);
  const large = await timeStreamedCompletion(options.target, fillerPrompt(800), 1);
  const tokensPerChar = Math.max(0.05, (large.promptTokens - small.promptTokens) / 600 || 0.25);
  const overhead = Math.max(0, small.promptTokens - 200 * tokensPerChar);

  const prompts: PromptSizeResult[] = [];
  for (const size of steps.promptSizes) {
    step(`time to first token at ${size} tokens`);
    const prompt = fillerPrompt(Math.max(64, Math.floor((size - overhead) / tokensPerChar)));
    const cold = await timeStreamedCompletion(options.target, prompt, 2);
    const warm = await timeStreamedCompletion(options.target, prompt, 2);
    prompts.push({
      targetTokens: size,
      promptTokens: cold.promptTokens,
      coldTtftMs: Math.round(cold.ttftMs),
      warmTtftMs: Math.round(warm.ttftMs),
      promptTokensPerS: cold.promptTokens / (cold.ttftMs / 1000),
    });
  }

  const concurrency: ConcurrencyResult[] = [];
  for (const agents of steps.concurrency) {
    step(`decode with ${agents} agent(s)`);
    const t0 = performance.now();
    const runs = await Promise.all(
      Array.from({ length: agents }, () =>
        timeStreamedCompletion(options.target, fillerPrompt(400), outputTokens),
      ),
    );
    const wallS = (performance.now() - t0) / 1000;
    const tokens = runs.reduce((n, r) => n + r.completionTokens, 0);
    concurrency.push({
      agents,
      aggregateTokensPerS: tokens / wallS,
      perAgentTokensPerS: mean(runs.map((r) => (r.completionTokens - 1) / Math.max(1e-3, r.decodeMs / 1000))),
      meanTtftMs: Math.round(mean(runs.map((r) => r.ttftMs))),
    });
  }

  const largest = prompts.at(-1);
  return {
    engine: options.engine,
    model: options.model ?? options.target.model,
    host: hostname(),
    startedAt,
    contextPerSlot: steps.contextPerSlot,
    slots: options.parallel,
    decodeTokensPerS: concurrency[0]?.perAgentTokensPerS ?? 0,
    promptTokensPerS: largest?.promptTokensPerS ?? 0,
    prompts,
    skippedSizes: steps.skippedSizes,
    concurrency,
    ...(options.reference ? { reference: options.reference } : {}),
  };
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
