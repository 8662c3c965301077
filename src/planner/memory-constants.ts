/**
 * Fixed costs and assumptions of the memory and speed model, in one place so each number carries its source.
 */

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** VRAM llama.cpp keeps free on each GPU when it fits itself (`--fit-target`, default 1024 MiB per device). */
export const LLAMA_CPP_GPU_RESERVE_BYTES = 1024 * MiB;

/** llama.cpp's default physical batch (`-ub 512`): compute buffers scale with it. */
export const LLAMA_CPP_UBATCH = 512;

/**
 * llama.cpp pads the KV cache size to 256 cells with flash attention and to 32 without
 * (src/llama-kv-cache.cpp, `get_padding`).
 */
export const LLAMA_CPP_CTX_PAD_FA = 256;
export const LLAMA_CPP_CTX_PAD_NO_FA = 32;

/** vLLM's default `--gpu-memory-utilization`. */
export const VLLM_DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/**
 * Per-GPU memory vLLM needs besides weights and KV cache inside its budget: activations of the profiling run and
 * CUDA graphs. GPUStack budgets 2 GiB per GPU for this.
 */
export const VLLM_OVERHEAD_BYTES = 2 * GiB;

/** VRAM left outside vLLM's budget for the CUDA context when a GPU is shared (lowered utilization). */
export const VLLM_SHARED_GPU_MARGIN_BYTES = 1024 * MiB;

/** System RAM kept for the OS and the rest of ops: the larger of 2 GiB and 10 %. */
export function ramReserveBytes(ramBytes: number): number {
  return Math.max(2 * GiB, Math.round(ramBytes * 0.1));
}

/**
 * Share of peak memory bandwidth a decode step achieves. Decode reads every active weight once per token; measured
 * llama.cpp and vLLM single-stream decode lands near 60–75 % of the datasheet bandwidth on recent GPUs.
 */
export const BANDWIDTH_EFFICIENCY = 0.7;

/** Tensor-parallel decode loses some speed to the all-reduce after every layer. */
export const TENSOR_PARALLEL_EFFICIENCY = 0.85;

/** Memory bandwidth assumed for a GPU missing from catalog/gpus.yaml (a mid-range card). */
export const UNKNOWN_GPU_BANDWIDTH_GBS = 300;

/** System memory bandwidth assumed when the hardware spec gives none (dual-channel DDR4-3200 ≈ 51 GB/s peak). */
export const DEFAULT_CPU_BANDWIDTH_GBS = 40;

/** Below this estimated decode speed a candidate is not worth running. */
export const MIN_TOKENS_PER_SEC = 1;

/**
 * Share of peak dense FP16 tensor throughput prompt processing reaches (large batched matmuls; llama.cpp and vLLM
 * prefill typically reach 40–60 % MFU on recent GPUs).
 */
export const PREFILL_EFFICIENCY = 0.5;

/** Host-to-GPU copy rate: PCIe 4.0 x16 is 32 GB/s per direction; ~25 GB/s is what copies reach. */
export const PCIE_BANDWIDTH_GBS = 25;

/** Dense FP16 TFLOPS assumed for a GPU missing from catalog/gpus.yaml (a mid-range card). */
export const UNKNOWN_GPU_FP16_TFLOPS = 60;

/**
 * Sustained FP32 FLOPS one CPU core gives llama.cpp's matmuls: AVX2 has two 8-wide FMA units (32 FLOP/cycle) at
 * ~2–3 GHz under all-core load, of which about half is reached; an assumption, stated so it can be replaced.
 */
export const CPU_GFLOPS_PER_CORE = 40;

/** Formats bytes as GiB with one decimal, the unit of every planner message. */
export function formatGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(1)} GiB`;
}
