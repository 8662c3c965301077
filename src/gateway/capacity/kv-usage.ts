/** Where a KV figure came from: the engine's Prometheus gauge, or llama-server's slot list. */
export type KvSource = 'metrics' | 'slots';

/**
 * KV cache use (0..1) from an engine's Prometheus text, or null when it exports none. Names, by engine:
 * llama.cpp's `llamacpp:kv_cache_usage_ratio` (tools/server/README, removed in later builds: the Debian
 * llama-server 0.7.0 this project's CPU image runs exports no KV gauge), vLLM's `vllm:kv_cache_usage_perc`
 * (0..1 despite the name) and its older `vllm:gpu_cache_usage_perc`. Several series (one per model or
 * engine) are averaged.
 */
export function kvUsageFromMetrics(text: string): number | null {
  const names = ['llamacpp:kv_cache_usage_ratio', 'vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'];
  for (const name of names) {
    const values: number[] = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
      const value = Number(line.trim().split(/\s+/).at(-1));
      if (Number.isFinite(value)) values.push(value);
    }
    if (values.length > 0) {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.min(1, Math.max(0, mean));
    }
  }
  return null;
}

/** One slot as llama-server's `GET /slots` describes it (fields read; a busy slot carries the task's counts). */
interface SlotState {
  n_ctx?: number;
  is_processing?: boolean;
  n_prompt_tokens?: number;
  next_token?: { n_decoded?: number }[];
}

/**
 * KV cache held by running requests (0..1) from llama-server's `GET /slots`, for builds whose /metrics has no KV
 * gauge: per busy slot, its prompt plus the tokens decoded so far, over the context of all slots. An idle slot's
 * cached prompt is not counted: the engine reuses or drops it for the next request. Null when the answer is not a
 * slot list (`--no-slots`, another engine).
 */
export function kvUsageFromSlots(body: unknown): number | null {
  if (!Array.isArray(body) || body.length === 0) return null;
  let held = 0;
  let total = 0;
  for (const slot of body as SlotState[]) {
    if (typeof slot?.n_ctx !== 'number' || slot.n_ctx <= 0) return null;
    total += slot.n_ctx;
    if (slot.is_processing) {
      const decoded = slot.next_token?.[0]?.n_decoded ?? 0;
      held += Math.min(slot.n_ctx, (slot.n_prompt_tokens ?? 0) + decoded);
    }
  }
  return total === 0 ? null : held / total;
}
