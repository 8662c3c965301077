import type { EngineBench } from './types.js';

const f1 = (x: number) => x.toFixed(1);

/** The human summary of `ops bench`: each measured figure beside the planner's estimate and the roofline. */
export function formatBench(bench: EngineBench): string {
  const ref = bench.reference;
  const lines = [
    `${bench.engine} (${bench.model}) on ${bench.host}: ${bench.slots} slot(s), ${bench.contextPerSlot} tokens of context per slot`,
    `  decode        ${f1(bench.decodeTokensPerS)} tokens/s${ref ? `   planner ${f1(ref.plannerTokensPerS)}, roofline ${f1(ref.rooflineTokensPerS)} (${f1(ref.bandwidthGBs)} GB/s ${ref.bandwidthSource === 'given' ? 'given' : 'assumed'} ÷ ${(ref.bytesPerToken / 2 ** 20).toFixed(1)} MiB per token)` : ''}`,
    `  prompt        ${f1(bench.promptTokensPerS)} tokens/s`,
  ];
  for (const p of bench.prompts) {
    lines.push(
      `  TTFT ${String(p.targetTokens).padStart(6)}  cold ${(p.coldTtftMs / 1000).toFixed(2)} s, warm ${(p.warmTtftMs / 1000).toFixed(2)} s (${p.promptTokens} prompt tokens, ${f1(p.promptTokensPerS)} tokens/s)`,
    );
  }
  if (bench.skippedSizes.length > 0)
    lines.push(`  not measured: ${bench.skippedSizes.join(', ')} tokens (over the context per slot)`);
  for (const c of bench.concurrency) {
    lines.push(
      `  ${String(c.agents).padStart(2)} agent(s)   ${f1(c.aggregateTokensPerS)} tokens/s in all, ${f1(c.perAgentTokensPerS)} per agent, TTFT ${(c.meanTtftMs / 1000).toFixed(2)} s`,
    );
  }
  return lines.join('\n');
}

/** One line per engine for `ops setup`: decode beside the planner's estimate, prompt speed, time to first token. */
export function formatBenchLine(bench: EngineBench): string {
  const planner = bench.reference ? ` (planner ${f1(bench.reference.plannerTokensPerS)})` : '';
  const first = bench.prompts[0];
  const ttft = first
    ? `, first token after ${(first.coldTtftMs / 1000).toFixed(2)} s for ${first.promptTokens} prompt tokens`
    : '';
  return `${bench.engine} ${f1(bench.decodeTokensPerS)} tokens/s decode${planner}, ${f1(bench.promptTokensPerS)} tokens/s prompt${ttft}`;
}

/** The figures `ops setup` keeps in its progress file, to show again when a later run resumes. */
export function benchSummary(bench: EngineBench) {
  return {
    engine: bench.engine,
    model: bench.model,
    decodeTokensPerS: bench.decodeTokensPerS,
    promptTokensPerS: bench.promptTokensPerS,
    ...(bench.reference ? { plannerTokensPerS: bench.reference.plannerTokensPerS } : {}),
  };
}
