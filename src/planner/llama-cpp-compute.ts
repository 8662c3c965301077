import { LLAMA_CPP_CTX_PAD_FA, LLAMA_CPP_CTX_PAD_NO_FA, LLAMA_CPP_UBATCH } from './memory-constants.js';

/**
 * llama.cpp's context arithmetic and compute buffer, as llama-server 0.7.0 (Debian sid) reports them at `-lv 4`
 * (`llama_context: n_ctx_seq`, `llama_kv_cache: size = … cells`, `sched_reserve: CPU compute buffer size`).
 *
 * KV cells: with the default non-unified cache each of the `--parallel` slots gets `-c / parallel` tokens (rounded
 * down), padded up to 256 with flash attention (32 without); `-c 1000 --parallel 3` gives 3 × 512 cells
 * (measured). A unified cache (`-kvu`) is one stream of `-c` cells, padded.
 */
export function llamaCppKvCells(
  nCtx: number,
  parallel: number,
  options: { flashAttention: boolean; unified?: boolean },
): { cellsPerSeq: number; streams: number } {
  const pad = options.flashAttention ? LLAMA_CPP_CTX_PAD_FA : LLAMA_CPP_CTX_PAD_NO_FA;
  const up = (n: number) => Math.max(pad, Math.ceil(n / pad) * pad);
  if (options.unified || parallel <= 1) return { cellsPerSeq: up(nCtx), streams: 1 };
  return { cellsPerSeq: up(Math.floor(nCtx / parallel)), streams: parallel };
}

export interface ComputeShape {
  layers: number;
  hiddenSize: number;
  /** Dense FFN width (per expert × active experts for MoE). */
  ffnWidth: number;
  heads: number;
  vocabSize: number;
}

export interface ComputeRequest {
  /** `-c` as the engine got it (all slots). */
  nCtx: number;
  /** KV cells one sequence attends over (see llamaCppKvCells). */
  kvCellsPerSeq: number;
  parallel: number;
  flashAttention: boolean;
  /** `-ub` (default 512). */
  ubatch?: number;
}

/** llama.cpp's two per-context buffers besides weights and KV cache, apart (see llamaCppComputeBytes). */
export interface LlamaCppComputeParts {
  /** The graph's compute buffer (`sched_reserve: … compute buffer size`); each backend with layers gets one. */
  graphBytes: number;
  /** The logits output buffer (`llama_context: … output buffer size`): slots × vocab × 4, held once. */
  outputBytes: number;
}

/**
 * llama.cpp's compute buffer (the graph's activations, reserved once for the worst-case ubatch of
 * u = min(-ub, -c) tokens) and its output buffer (logits of one output row per slot: slots × vocab × 4), apart.
 *
 * The compute buffer is the peak of ggml-alloc's reuse over the graph, fitted on the CPU backend against 12 model
 * shapes (hidden 256–2048, FFN 512–4096, 1–12 layers, 2–32 heads; every prediction within 0.05 MiB):
 * - the FFN of a non-last layer: gate, up, their activation and product live together with the residual stream:
 *   u × 4 × (4·ffn + 3·hidden) bytes with ≥ 3 layers (one hidden fewer with 2 — ggml-alloc reuses more; the last
 *   layer keeps only the output rows, so its FFN is small);
 * - plus the attention mask, one f16 per KV cell and ubatch token with flash attention (u × cells × 2);
 * - without flash attention the attention phase can be larger: the f32 scores of every head plus an f32 mask
 *   (u × cells × (heads + 1) × 4) and ~6.5 hidden-sized f32 rows per token.
 * Logits are computed for the output rows only: llama-server 0.7.0 reserves its worst-case graph with
 * `n_outputs_max_per_seq = 1`, so vocab does not enter the peak. Checked by hand: the 2-layer smoke shape with its
 * vocabulary grown from 261 to 32000 tokens keeps a 6.52 MiB (flash attention) / 23.51 MiB (without) CPU compute
 * buffer at `-c 2048`; only the output buffer grows (0.00 → 0.12 MiB).
 */
export function llamaCppComputeParts(shape: ComputeShape, req: ComputeRequest): LlamaCppComputeParts {
  const u = Math.min(req.ubatch ?? LLAMA_CPP_UBATCH, req.nCtx);
  const h = shape.hiddenSize;
  const residual = shape.layers >= 3 ? 3 * h : shape.layers === 2 ? h : 0;
  const ffnPhase = shape.layers >= 2 ? u * 4 * (4 * shape.ffnWidth + residual) : 0;
  const attentionRows = u * 4 * (req.flashAttention ? 6 * h : 6.5 * h);
  const cells = req.kvCellsPerSeq;
  // ~10 f32 per token of small graph inputs (positions, output ids, norms' scratch) ride along at the peak.
  const inputs = u * 4 * 10;
  const graph =
    inputs +
    (req.flashAttention
      ? Math.max(ffnPhase, attentionRows) + u * cells * 2
      : Math.max(ffnPhase + u * cells * 4, attentionRows + u * cells * (shape.heads + 1) * 4));
  return { graphBytes: Math.round(graph), outputBytes: req.parallel * shape.vocabSize * 4 };
}

/** Bytes of llama.cpp's compute buffer plus its output buffer, as one backend holds them (see llamaCppComputeParts). */
export function llamaCppComputeBytes(shape: ComputeShape, req: ComputeRequest): number {
  const { graphBytes, outputBytes } = llamaCppComputeParts(shape, req);
  return graphBytes + outputBytes;
}
