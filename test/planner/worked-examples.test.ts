import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { resolveGpu } from '../../src/planner/gpu-bandwidth.js';
import { fitLlamaCpp, type GpuBudget } from '../../src/planner/llama-cpp-fit.js';
import { planModels } from '../../src/planner/plan-models.js';
import { catalog, GiB, HARDWARE, intent, rtx3090 } from './helpers.js';

/*
 * Worked examples, with the arithmetic the planner does.
 *
 * Qwen2.5-Coder-32B (64 layers, 8 KV heads × 128, vocab 152064, hidden 5120, FFN 27648), Q4_K_M, size estimated
 * from bits per weight: 32.76e9 × 4.9 / 8 = 20,065,500,000 B = 18.69 GiB. llama.cpp keeps token_embd in RAM
 * (152064 × 5120 × 4.9/8 = 0.44 GiB); the LM head is Q6_K (152064 × 5120 × 6.5625/8 = 0.59 GiB) and goes on the
 * GPU with the 64 layers (296.1 MB each) → 18.24 GiB of weights on the GPU.
 * KV per token: 2 × 64 layers × 8 × 128 × 2 B (f16) = 256 KiB, so 32768 cells = 8 GiB f16, × 34/64 = 4.25 GiB
 * q8_0, × 18/64 = 2.25 GiB q4_0. `-c` = agents × per-agent context; llama.cpp gives each slot `-c / agents` cells,
 * padded to 256 (llamaCppKvCells).
 * Compute buffer (llamaCppComputeParts, ubatch 512, flash attention): the FFN peak 512 × 4 × (4 × 27648 +
 * 3 × 5120) = 246 MiB + the f16 mask 512 × cells per slot × 2 (32768 cells: 32 MiB) + 0.02 MiB of inputs, plus the
 * output buffer agents × 152064 × 4 (0.58 MiB each) → 278.6 MiB = 0.27 GiB for one agent at 32K. llama.cpp reserves
 * one output row per slot, so the vocabulary adds no 512-row logits term. Reserve: 1 GiB per GPU (llama.cpp
 * --fit's margin).
 */
const model = (id: string) => {
  const m = catalog.models.find((x) => x.id === id);
  assert.ok(m, id);
  return m;
};
const variant = (id: string, quant: string, engine = 'llama.cpp') => {
  const v = model(id).variants.find((x) => x.quant === quant && x.engine === engine);
  assert.ok(v, `${id} ${quant}`);
  return v;
};
const gpus = (n: number): GpuBudget[] =>
  Array.from({ length: n }, (_, i) => ({ gpu: resolveGpu(rtx3090(i), catalog.gpus), freeBytes: 24 * GiB }));

describe('worked example: Qwen2.5-Coder-32B Q4_K_M on one 24 GiB GPU at 32K', () => {
  const base = {
    model: model('qwen2.5-coder-32b'),
    variant: variant('qwen2.5-coder-32b', 'Q4_K_M'),
    flashAttention: true,
    gpus: gpus(1),
    ramFreeBytes: 56 * GiB,
    cpuBandwidthGBs: 40,
  };

  it('1 agent: f16 KV does not fit (18.24 + 8 + 0.27 + 1 = 27.5 GiB > 24), q8_0 does (18.24 + 4.25 + 0.27 + 1 = 23.8 GiB)', () => {
    const f16 = fitLlamaCpp({ ...base, ctxPerSlot: 32768, parallel: 1, kvType: 'f16' });
    assert.ok(f16.ok);
    assert.equal(f16.arrangement.fullyOnGpu, false);
    assert.equal(f16.arrangement.gpuShortfall, 'Q4_K_M needs 27.5 GiB, 24.0 GiB available');

    const q8 = fitLlamaCpp({ ...base, ctxPerSlot: 32768, parallel: 1, kvType: 'q8_0' });
    assert.ok(q8.ok);
    assert.equal(q8.arrangement.fullyOnGpu, true);
    assert.equal(q8.arrangement.nCtx, 32768);
    assert.equal(q8.arrangement.kvCacheBytes, 4.25 * GiB);
    assert.equal(q8.arrangement.gpuLayers, 65); // 64 layers + the output layer
    const gpu0 = q8.arrangement.perGpu[0];
    assert.ok(gpu0 && gpu0.totalBytes + GiB <= 24 * GiB);
    // 18.24 weights + 4.25 KV + 278.6 MiB compute and output = 22.77 GiB.
    assert.ok(Math.abs(gpu0.totalBytes / GiB - 22.77) < 0.01, `${gpu0.totalBytes / GiB}`);
    assert.ok(Math.abs(gpu0.overheadBytes / 2 ** 20 - 278.6) < 0.05, `${gpu0.overheadBytes / 2 ** 20} MiB`);
  });

  it('4 agents sharing the 32K pool (-c 32768 --parallel 4, 8K each): the same 4.25 GiB q8_0 cache fits', () => {
    const q8 = fitLlamaCpp({ ...base, ctxPerSlot: 8192, parallel: 4, kvType: 'q8_0' });
    assert.ok(q8.ok && q8.arrangement.fullyOnGpu);
    assert.equal(q8.arrangement.nCtx, 32768);
    assert.equal(q8.arrangement.kvCellsPerSeq, 8192);
    assert.equal(q8.arrangement.kvCacheBytes, 4.25 * GiB);
    // A shorter mask (8192 cells: 8 MiB) and four output rows (2.32 MiB): 246 + 8 + 0.02 + 2.32 = 256.3 MiB.
    assert.ok(Math.abs(q8.arrangement.overheadBytes / 2 ** 20 - 256.3) < 0.05);
  });

  it('3 agents at 8000 tokens (-c 24000): each slot gets 8000 cells padded to 8192, as llama.cpp pads per slot', () => {
    const q8 = fitLlamaCpp({ ...base, ctxPerSlot: 8000, parallel: 3, kvType: 'q8_0' });
    assert.ok(q8.ok && q8.arrangement.fullyOnGpu);
    assert.equal(q8.arrangement.nCtx, 24000);
    assert.equal(q8.arrangement.kvCellsPerSeq, 8192);
    // 3 × 8192 cells × 256 KiB × 34/64 = 3.1875 GiB (padding the total to 24064 would have counted 3.12 GiB).
    assert.equal(q8.arrangement.kvCacheBytes, 3.1875 * GiB);
  });

  it('4 agents with 32K each (-c 131072): even q4_0 needs 18.24 + 9 + 0.27 + 1 = 28.5 GiB, and the planner says what would fit', () => {
    const q4 = fitLlamaCpp({ ...base, ctxPerSlot: 32768, parallel: 4, kvType: 'q4_0' });
    assert.ok(q4.ok);
    assert.equal(q4.arrangement.gpuShortfall, 'Q4_K_M needs 28.5 GiB, 24.0 GiB available');

    const proposal = planModels({
      hardware: HARDWARE['1x-rtx-3090']!,
      catalog: {
        ...catalog,
        models: [{ ...model('qwen2.5-coder-32b'), variants: [variant('qwen2.5-coder-32b', 'Q4_K_M')] }],
      },
      intent: intent({ agents: 4, engines: ['llama.cpp'] }),
    });
    // Only with 36 of 64 layers on the CPU (~2 tokens/s): planned as a fallback, with what would fit on the GPU.
    const e = proposal.entries[0];
    assert.ok(e);
    assert.ok(e.estTokensPerSec < 5, `${e.estTokensPerSec}`);
    assert.ok(
      e.notes.some((n) => /layers run on the CPU \(Q4_K_M needs [\d.]+ GiB, 24\.0 GiB available\)/.test(n)),
      e.notes.join('\n'),
    );
    const all = proposal.suggestions.join('\n');
    assert.match(all, /shorter context: 8192 tokens per agent fits qwen2\.5-coder-32b:Q4_K_M:llama\.cpp/);
    assert.match(all, /fewer agents: 1 agent at 32768 tokens fit qwen2\.5-coder-32b:Q4_K_M:llama\.cpp/);
  });
});

describe('worked example: Llama-3.1-70B on 2 × 24 GiB', () => {
  /*
   * Q4_K_M: 70.55e9 × 4.9 / 8 = 42.47e9 B = 39.55 GiB (token_embd 0.55 GiB in RAM, LM head 0.80 GiB, 80 layers of
   * 0.48 GiB). KV per token 2 × 80 × 8 × 128 × 2 = 320 KiB → 32K = 10 GiB f16, 5.31 GiB q8_0.
   * Compute buffer per GPU (each GPU of a layer split runs whole layers, so each reserves the same peak): the FFN
   * 512 × 4 × (4 × 28672 + 3 × 8192) = 272 MiB + the mask 512 × 32768 × 2 = 32 MiB → 304 MiB = 0.30 GiB; the
   * output buffer (128256 × 4 = 0.49 MiB) on GPU 1, which holds the output layer.
   * f16: 80 × (0.48 + 0.125) + 0.80 + 2 × (0.30 compute + 1 reserve) = 51.6 GiB > 48 GiB.
   * q8_0: each layer 0.48 + 0.066 = 0.544 GiB; GPU 0 (23.99 − 1 − 0.30 GiB) holds 41 layers, GPU 1 (also less the
   * 0.80 GiB output layer) 40, shared in proportion 41:40 over 80 → 41 and 39 + the output layer: -ts 41,40.
   */
  it('splits the layers over both GPUs with a q8_0 cache', () => {
    const proposal = planModels({
      hardware: HARDWARE['2x-rtx-4090']!,
      catalog,
      intent: intent({ models: ['llama-3.1-70b'], engines: ['llama.cpp'] }),
    });
    const e = proposal.entries[0];
    assert.ok(e, JSON.stringify(proposal.suggestions));
    assert.equal(e.quant, 'Q4_K_M');
    assert.equal(e.kvCacheType, 'q8_0');
    assert.deepEqual(e.gpus, [0, 1]);
    assert.deepEqual(e.args, [
      '-ngl',
      '81',
      '-fa',
      'on',
      '--cache-type-k',
      'q8_0',
      '--cache-type-v',
      'q8_0',
      '-ts',
      '41,40',
    ]);
    for (const g of e.perGpu)
      assert.ok(g.totalBytes + GiB <= 24564 * 2 ** 20, `GPU ${g.index}: ${g.totalBytes / GiB} GiB`);
    assert.ok(
      e.notes.some(
        (n) => n === 'f16 KV cache: Q4_K_M needs 51.6 GiB over 2 GPUs (layer split), 48.0 GiB available',
      ),
      e.notes.join('\n'),
    );
    // 4090: 1008 GB/s × 0.7; per token ≈ 40 GiB of weights read one GPU after the other → ~16 tokens/s.
    assert.ok(e.estTokensPerSec > 12 && e.estTokensPerSec < 20, `${e.estTokensPerSec}`);
  });
});

describe('worked example: three 24 GiB GPUs, vLLM against llama.cpp', () => {
  it('vLLM cannot use tensor parallel 3 (64 heads) and nothing fits on 2; llama.cpp splits the layers over all three', () => {
    const proposal = planModels({
      hardware: HARDWARE['3x-rtx-3090']!,
      catalog,
      intent: intent({ models: ['llama-3.1-70b'] }),
    });
    const awq = proposal.rejected.find((r) => r.id === 'llama-3.1-70b:AWQ:vllm');
    assert.match(
      awq?.reason ?? '',
      /tensor parallel 3 needs attention heads divisible by 3; meta-llama\/Llama-3\.1-70B-Instruct has 64/,
    );
    assert.match(awq?.reason ?? '', /AWQ needs [\d.]+ GiB per GPU with tensor parallel 2/);

    const e = proposal.entries[0];
    assert.ok(e);
    assert.equal(e.engine, 'llama.cpp');
    assert.deepEqual(e.gpus, [0, 1, 2]);
    const ts = e.args[e.args.indexOf('-ts') + 1]?.split(',').map(Number) ?? [];
    assert.equal(ts.length, 3);
    assert.equal(
      ts.reduce((a, b) => a + b, 0),
      81,
    ); // 80 layers + output
    for (const g of e.perGpu) assert.ok(g.totalBytes + GiB <= 24 * GiB);
  });

  it('vLLM alone: Qwen2.5-Coder-32B (40 heads) runs with tensor parallel 2 on two of the three GPUs', () => {
    const proposal = planModels({
      hardware: HARDWARE['3x-rtx-3090']!,
      catalog,
      intent: intent({ models: ['qwen2.5-coder-32b'], engines: ['vllm'] }),
    });
    const e = proposal.entries[0];
    assert.ok(e);
    assert.equal(e.tensorParallel, 2);
    assert.equal(e.gpus.length, 2);
    assert.equal(e.gpuMemoryUtilization, 0.9);
    assert.ok(
      e.notes.some((n) => n.includes('tensor parallel 3 needs attention heads divisible by 3')),
      e.notes.join('\n'),
    );
  });
});
