import { PROMPT_TOKENS_FOR_ESTIMATE } from './coding-policy.js';
import type { SpeedFigures } from './measured-speed.js';
import type { PlannedModel } from './types.js';

/**
 * What each planned model feels like to a coding agent, as `ops plan --explain` prints it: the prompt a Claude
 * Code session opens with, single-stream decode, and decode summed over the Plan's agents, each with the
 * assumptions behind it (agent-speed.ts). Where `ops bench` measured a model on this host, `speeds` carries the
 * measurement, shown instead of the estimate and labelled with its date (the estimate beside it).
 */
export function formatEstimates(
  entries: readonly PlannedModel[],
  speeds: readonly SpeedFigures[] = [],
): string[] {
  const out: string[] = [
    'what an agent feels (estimated unless measured; agent-speed.ts has the arithmetic):',
  ];
  entries.forEach((e, i) => {
    const speed = speeds[i];
    const where = e.gpus.length ? `GPU ${e.gpus.join(',')}` : 'the CPU';
    const prompt = speed?.promptSeconds20k.source === 'measured' ? speed.promptSeconds20k : undefined;
    const decode = speed?.decodeTokensPerS.source === 'measured' ? speed.decodeTokensPerS : undefined;
    out.push(
      `  ${e.id} on ${where}, ${e.parallel} agent${e.parallel === 1 ? '' : 's'} × ${e.contextPerAgent} tokens, ${e.kvCacheType} KV:`,
      prompt
        ? `    prompt: ~${prompt.value.toFixed(1)} s to process a ${PROMPT_TOKENS_FOR_ESTIMATE}-token prompt, ${prompt.label} by ops bench at its speed of ${(PROMPT_TOKENS_FOR_ESTIMATE / prompt.value).toFixed(0)} tokens/s (estimated ~${e.promptSeconds20k.toFixed(1)} s)`
        : `    prompt: ~${e.promptSeconds20k.toFixed(1)} s to process a ${PROMPT_TOKENS_FOR_ESTIMATE}-token prompt (Claude Code's first request), estimated: 2 FLOP per active weight per token plus causal attention, at half the devices' dense FP16 tensor throughput (CPU: 40 GFLOPS per core)`,
      decode
        ? `    decode: ${decode.value.toFixed(1)} tokens/s for one agent, ${decode.label} by ops bench (estimated ~${e.estTokensPerSec.toFixed(1)})`
        : `    decode: ~${e.estTokensPerSec.toFixed(1)} tokens/s for one agent, estimated (active weights + its half-full KV cache read per token at 70 % of memory bandwidth)`,
      `    ${e.parallel} agent${e.parallel === 1 ? '' : 's'} at once: ~${e.aggregateTokensPerSec.toFixed(1)} tokens/s in total, ~${(e.aggregateTokensPerSec / e.parallel).toFixed(1)} each, estimated (each step reads the shared weights once and every agent's own cache)`,
    );
    const replicas = e.replicas ?? [];
    if (replicas.length > 0) {
      const copies = replicas.length + 1;
      const total = e.aggregateTokensPerSec + replicas.reduce((a, r) => a + r.aggregateTokensPerSec, 0);
      out.push(
        `    data-parallel: ${copies} copies (GPU ${[e.gpus, ...replicas.map((r) => r.gpus)].map((g) => g.join('+')).join(' | ')}), each with ${e.parallel} agent${e.parallel === 1 ? '' : 's'}; the gateway keeps a session on its copy: ~${total.toFixed(1)} tokens/s for all ${copies * e.parallel} agents (${copies} × ~${(total / copies).toFixed(1)}), each copy's prompt and decode as above (planner/replicas.ts)`,
      );
    }
  });
  return out;
}
