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
