import type { CatalogModel, Variant } from '../catalog/types.js';
import type { ResolvedGpu } from './gpu-bandwidth.js';
import { kvCacheBytes } from './kv-cache.js';
import { llamaCppComputeParts, llamaCppKvCells } from './llama-cpp-compute.js';
import { BANDWIDTH_EFFICIENCY, formatGiB, LLAMA_CPP_GPU_RESERVE_BYTES } from './memory-constants.js';
import type { GpuShare, KvCacheType } from './types.js';
import { weightsLayout } from './weights-layout.js';

/** A GPU and the VRAM still free on it for this model. */
export interface GpuBudget {
  gpu: ResolvedGpu;
  freeBytes: number;
}

export interface LlamaCppFitInput {
  model: CatalogModel;
  variant: Variant;
  ctxPerSlot: number;
  parallel: number;
  kvType: KvCacheType;
  flashAttention: boolean;
  gpus: GpuBudget[];
  ramFreeBytes: number;
  cpuBandwidthGBs: number;
}

/** Where llama.cpp puts a model: layers per GPU (`-ts`), layers left on the CPU, and the memory each side needs. */
export interface LlamaCppArrangement {
  /** `-c`: all slots together (slots × per-slot context; llama.cpp pads each slot's KV cells itself). */
  nCtx: number;
  /** KV cells each slot gets (llamaCppKvCells: the per-slot context padded to 256, or 32 without flash attention). */
  kvCellsPerSeq: number;
  /** `-ngl`: repeating layers + the output layer on GPUs. */
  gpuLayers: number;
  /** Per GPU (ascending index) layer counts as `-ts` takes them; absent for one GPU or none. */
  tensorSplit?: number[];
  perGpu: GpuShare[];
  cpuLayers: number;
  cpuBytes: number;
  kvCacheBytes: number;
  overheadBytes: number;
  fullyOnGpu: boolean;
  /** Why not every layer is on a GPU ("Q8_0 needs 35.1 GiB, 24.0 GiB available"); absent when all are. */
  gpuShortfall?: string;
  estTokensPerSec: number;
  /** MoE expert offload: layers whose routed experts stay in system RAM (`--n-cpu-moe`), and their bytes. */
  cpuMoeLayers?: number;
  cpuMoeBytes?: number;
}

export type LlamaCppFit = { ok: true; arrangement: LlamaCppArrangement } | { ok: false; reason: string };

/**
 * Fits a GGUF variant under llama.cpp: `-c` = slots × per-slot context, each slot's KV cells padded as llama.cpp
 * pads them, compute and output buffers as llamaCppComputeParts predicts them (the model the after-`up` check
 * compares with the engine's own report), weights split
 * by layer over the fewest GPUs that hold them all (`-ts`, which works for any GPU count), else the most layers
 * the GPUs hold with the rest on the CPU (slower), else the CPU alone.
 */
export function fitLlamaCpp(input: LlamaCppFitInput): LlamaCppFit {
  const { model, variant, kvType, flashAttention } = input;
  const s = model.shape;
  if (!flashAttention && kvType !== 'f16') {
    return { ok: false, reason: `llama.cpp refuses a quantized V cache (${kvType}) without flash attention` };
  }
  if (input.ctxPerSlot > s.trainedContext) {
    return {
      ok: false,
      reason: `${input.ctxPerSlot} tokens per agent exceed the ${s.trainedContext} the model was trained for`,
    };
  }
  // llama.cpp splits `-c` over the slots (non-unified cache) and pads each slot's cells, so `-c` itself needs no
  // padding: slots × per-slot context gives every slot at least the context asked for.
  const nCtx = input.ctxPerSlot * input.parallel;
  const cells = llamaCppKvCells(nCtx, input.parallel, { flashAttention });
  const kvTotal = kvCacheBytes(s, {
    tokensPerSeq: cells.cellsPerSeq,
    seqs: cells.streams,
    typeK: kvType,
    typeV: kvType,
    engine: 'llama.cpp',
  });
  const kvPerLayer = kvTotal / s.layers;
  const layout = weightsLayout(model, variant);
  const perLayer = layout.layerBytes + kvPerLayer;
  // Every backend that runs layers (each GPU of a layer split, and the CPU when layers stay there) gets its own
  // compute buffer of the same worst-case size: ggml_backend_sched reserves per backend the peak of the graph
  // splits it runs, and each holds whole layers, so the FFN/attention peak recurs on each. The output buffer
  // (slots × vocab × 4) is held once; llama.cpp puts it in the host buffer of the output device (pinned RAM under
  // CUDA), a few MiB, counted here on the device that holds the output layer so the entry's total is the figure
  // checkPredictions compares.
  const { graphBytes, outputBytes: logitsBytes } = llamaCppComputeParts(
    {
      layers: s.layers,
      hiddenSize: s.hiddenSize,
      ffnWidth: s.ffnSize * (s.experts?.active ?? 1),
      heads: s.heads,
      vocabSize: s.vocabSize,
    },
    { nCtx, kvCellsPerSeq: cells.cellsPerSeq, parallel: input.parallel, flashAttention },
  );
  const reserve = LLAMA_CPP_GPU_RESERVE_BYTES;

  interface Placed {
    budget: GpuBudget;
    layers: number;
    last: boolean;
  }

  const place = (set: GpuBudget[], partial: boolean): LlamaCppArrangement | undefined => {
    const sorted = [...set].sort((a, b) => a.gpu.index - b.gpu.index);
    const lastIdx = sorted.length - 1;
    const caps = sorted.map(
      (g, i) => g.freeBytes - reserve - graphBytes - (i === lastIdx ? logitsBytes + layout.outputBytes : 0),
    );
    if ((caps[lastIdx] ?? -1) < 0) return undefined;
    const fits = caps.map((c) => Math.max(0, Math.floor(c / perLayer)));
    const room = fits.reduce((a, b) => a + b, 0);
    let layers: number[];
    if (room >= s.layers) {
      // Share the layers in proportion to what each GPU holds, as `-ts` does.
      layers = fits.map((f) => Math.floor((s.layers * f) / room));
      let left = s.layers - layers.reduce((a, b) => a + b, 0);
      for (let i = 0; left > 0; i = (i + 1) % layers.length) {
        if ((layers[i] ?? 0) < (fits[i] ?? 0)) {
          layers[i] = (layers[i] ?? 0) + 1;
          left--;
        }
      }
      if (layers.some((n, i) => n === 0 && i !== lastIdx)) return undefined; // a smaller set does the same
    } else {
      if (!partial) return undefined;
      layers = fits;
    }
    const placed = sorted
      .map((budget, i) => ({ budget, layers: layers[i] ?? 0, last: i === lastIdx }))
      .filter((x) => x.layers > 0 || x.last);
    return arrange(placed);
  };

  /** Memory and speed of a placement; an empty placement is the CPU alone (`-ngl 0`). */
  const arrange = (placed: Placed[]): LlamaCppArrangement => {
    const onGpu = placed.reduce((a, x) => a + x.layers, 0);
    const cpuLayers = s.layers - onGpu;
    const cpuOnly = placed.length === 0;
    const perGpu: GpuShare[] = placed.map(({ budget, layers, last }) => {
      const weightsBytes = Math.round(layers * layout.layerBytes + (last ? layout.outputBytes : 0));
      const kv = Math.round(layers * kvPerLayer);
      const overheadBytes = graphBytes + (last ? logitsBytes : 0);
      return {
        index: budget.gpu.index,
        weightsBytes,
        kvCacheBytes: kv,
        overheadBytes,
        totalBytes: weightsBytes + kv + overheadBytes,
      };
    });
    const cpuCompute = cpuLayers > 0 ? graphBytes + (cpuOnly ? logitsBytes : 0) : 0;
    const cpuBytes = Math.round(
      layout.inputBytes + cpuLayers * perLayer + (cpuOnly ? layout.outputBytes : 0) + cpuCompute,
    );

    // Decode reads every active weight once per token, plus one slot's KV cache (half full on average).
    const tokenBytesPerLayer =
      layout.layerBytes * layout.activeFraction + (kvPerLayer / input.parallel) * 0.5;
    let seconds = 0;
    for (const { budget, layers, last } of placed) {
      const bytes = layers * tokenBytesPerLayer + (last ? layout.outputBytes : 0);
      seconds += bytes / (budget.gpu.bandwidthGBs * 1e9 * BANDWIDTH_EFFICIENCY);
    }
    const cpuTokenBytes = cpuLayers * tokenBytesPerLayer + (cpuOnly ? layout.outputBytes : 0);
    seconds += cpuTokenBytes / (input.cpuBandwidthGBs * 1e9 * BANDWIDTH_EFFICIENCY);

    return {
      nCtx,
      kvCellsPerSeq: cells.cellsPerSeq,
      gpuLayers: cpuOnly ? 0 : onGpu + 1,
      tensorSplit: placed.length > 1 ? placed.map((x) => x.layers + (x.last ? 1 : 0)) : undefined,
      perGpu,
      cpuLayers,
      cpuBytes,
      kvCacheBytes: Math.round(onGpu * kvPerLayer + cpuLayers * kvPerLayer),
      overheadBytes: perGpu.reduce((a, g) => a + g.overheadBytes, 0) + cpuCompute,
      fullyOnGpu: !cpuOnly && cpuLayers === 0,
      estTokensPerSec: seconds > 0 ? 1 / seconds : 0,
    };
  };

  const ramCheck = (a: LlamaCppArrangement, shortfall?: string): LlamaCppFit => {
    if (a.cpuBytes <= input.ramFreeBytes) return { ok: true, arrangement: { ...a, gpuShortfall: shortfall } };
    const ram = `${variant.quant} needs ${formatGiB(a.cpuBytes)} of system RAM with ${a.cpuLayers} of ${s.layers} layers on the CPU, ${formatGiB(input.ramFreeBytes)} available`;
    return { ok: false, reason: shortfall ? `${shortfall}; ${ram}` : ram };
  };

  // The fewest GPUs (most free first) that hold every layer; among those the fastest.
  const byFree = [...input.gpus].sort((a, b) => b.freeBytes - a.freeBytes || a.gpu.index - b.gpu.index);
  let best: LlamaCppArrangement | undefined;
  for (let k = 1; k <= byFree.length; k++) {
    const a = place(byFree.slice(0, k), false);
    if (a && (!best || a.estTokensPerSec > best.estTokensPerSec * 1.0001)) best = a;
  }
  if (best) return ramCheck(best);

  // A MoE model that does not fit one GPU: keep attention, shared weights and the KV cache of every layer on the
  // GPU and the routed experts of the first k layers in RAM (llama.cpp `--n-cpu-moe k`, the override of
  // `-ot ".ffn_.*_exps.=CPU"`). Only a token's few active experts are read from RAM, so decode stays fast.
  const moe = expertOffload();
  if (moe) return ramCheck(moe.arrangement, moe.shortfall);

  // Not all on GPU: say what it would take, then offload as many layers as fit and keep the rest on the CPU.
  return layerOffload();

  /** Routed-expert offload on the GPU with the most free memory (the 24–32 GB single-card case). */
  function expertOffload(): { arrangement: LlamaCppArrangement; shortfall: string } | undefined {
    // One card only: with more GPUs a layer split uses them all before RAM is worth it.
    const gpu = byFree.length === 1 ? byFree[0] : undefined;
    if (!s.experts || !gpu) return undefined;
    // Routed expert weights per layer: experts × 3 matrices (gate, up, down) × hidden × expert FFN width, as a
    // share of a layer's parameters (embeddings and head excluded).
    const paramsPerLayer = (s.params - s.vocabSize * s.hiddenSize * (s.tiedEmbeddings ? 1 : 2)) / s.layers;
    const expertShare = Math.min(0.98, (s.experts.total * 3 * s.hiddenSize * s.ffnSize) / paramsPerLayer);
    const expertBytes = layout.layerBytes * expertShare;
    const cap = gpu.freeBytes - reserve - graphBytes - logitsBytes - layout.outputBytes;
    const allOnGpu = s.layers * perLayer;
    const k = Math.ceil(Math.max(0, allOnGpu - cap) / expertBytes);
    if (k <= 0 || k > s.layers) return undefined;
    const cpuMoeBytes = Math.round(k * expertBytes);
    const gpuWeights = Math.round(s.layers * layout.layerBytes - cpuMoeBytes + layout.outputBytes);
    const kv = Math.round(s.layers * kvPerLayer);
    const share: GpuShare = {
      index: gpu.gpu.index,
      weightsBytes: gpuWeights,
      kvCacheBytes: kv,
      overheadBytes: graphBytes + logitsBytes,
      totalBytes: gpuWeights + kv + graphBytes + logitsBytes,
    };
    // Per token: the active share of each layer; of its experts, active / total are read, from RAM for k layers.
    const activeExpert = expertBytes * (s.experts.active / s.experts.total);
    const activeRest = Math.max(0, layout.layerBytes * layout.activeFraction - activeExpert);
    const gpuBytes =
      s.layers * (activeRest + (kvPerLayer / input.parallel) * 0.5) +
      (s.layers - k) * activeExpert +
      layout.outputBytes;
    const seconds =
      gpuBytes / (gpu.gpu.bandwidthGBs * 1e9 * BANDWIDTH_EFFICIENCY) +
      (k * activeExpert) / (input.cpuBandwidthGBs * 1e9 * BANDWIDTH_EFFICIENCY);
    return {
      shortfall: `${variant.quant} needs ${formatGiB(allOnGpu + layout.outputBytes + logitsBytes + graphBytes + reserve)} on one GPU, ${formatGiB(gpu.freeBytes)} available: the routed experts of ${k} of ${s.layers} layers (${formatGiB(cpuMoeBytes)}) stay in RAM`,
      arrangement: {
        nCtx,
        kvCellsPerSeq: cells.cellsPerSeq,
        gpuLayers: s.layers + 1,
        perGpu: [share],
        cpuLayers: 0,
        cpuBytes: Math.round(layout.inputBytes + cpuMoeBytes),
        kvCacheBytes: kv,
        overheadBytes: share.overheadBytes,
        fullyOnGpu: false,
        estTokensPerSec: 1 / seconds,
        cpuMoeLayers: k,
        cpuMoeBytes,
      },
    };
  }

  function layerOffload(): LlamaCppFit {
    const fullNeed =
      s.layers * perLayer +
      layout.outputBytes +
      logitsBytes +
      Math.max(1, byFree.length) * (graphBytes + reserve);
    const gpuFree = byFree.reduce((a, g) => a + g.freeBytes, 0);
    const shortfall =
      byFree.length === 0
        ? undefined
        : `${variant.quant} needs ${formatGiB(fullNeed)}${byFree.length > 1 ? ` over ${byFree.length} GPUs (layer split)` : ''}, ${formatGiB(gpuFree)} available`;
    const partial = byFree.length > 0 ? place(byFree, true) : undefined;
    return ramCheck(partial ?? arrange([]), shortfall);
  }
}
