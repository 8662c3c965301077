import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { agentSpeed, promptFlops } from '../../src/planner/agent-speed.js';
import type { Option, Resources } from '../../src/planner/candidate.js';
import { DEFAULT_KV_CACHE_TYPES, MIN_CONTEXT_PER_AGENT } from '../../src/planner/coding-policy.js';
import { resolveGpu } from '../../src/planner/gpu-bandwidth.js';
import { intentFromDefaults } from '../../src/planner/intent-defaults.js';
import { planModels } from '../../src/planner/plan-models.js';
import type { HardwareSpec } from '../../src/planner/types.js';
import { fitVllm } from '../../src/planner/vllm-fit.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { catalog, GiB, intent, rtx4090 } from './helpers.js';

const model = (id: string) => {
  const m = catalog.models.find((x) => x.id === id);
  assert.ok(m, id);
  return m;
};
const rtx5090 = { index: 0, name: 'NVIDIA GeForce RTX 5090', vramMiB: 32607 };
const one = (gpu: HardwareSpec['gpus'][number]): HardwareSpec => ({
  gpus: [gpu],
  ramMiB: 65536,
  cpuCores: 16,
});

describe('coding policy: what the planner spends memory on first', () => {
  it('plans 64K per agent and an f16 or q8_0 cache by default, for every profile', () => {
    for (const p of loadProfiles(defaultProfilesDir())) {
      const i = intentFromDefaults(p, {});
      assert.ok((i.contextLength ?? 0) >= MIN_CONTEXT_PER_AGENT, p.id);
      assert.deepEqual(i.kvCacheTypes, [...DEFAULT_KV_CACHE_TYPES]);
    }
    // Asked for less, it plans less.
    assert.equal(
      intentFromDefaults(loadProfiles(defaultProfilesDir())[0]!, { context: 16384 }).contextLength,
      16384,
    );
  });

  it('never trades the context or the cache for weight bits: Qwen2.5-Coder-32B on one 4090 at 64K is refused, with advice', () => {
    /*
     * Q4_K_M weights 18.24 GiB on the GPU + q8_0 KV 65536 × 256 KiB × 34/64 = 8.5 GiB + 0.3 GiB compute + 1 GiB
     * reserve = 28 GiB > 24 GiB. The old planner fell back to a q4_0 cache and 32K; now q4_0 is not offered and
     * the context stays, so the suggestion is fewer agents or less context.
     */
    const p = planModels({
      hardware: one(rtx4090(0)),
      catalog,
      intent: intent({
        contextLength: 65536,
        kvCacheTypes: [...DEFAULT_KV_CACHE_TYPES],
        models: ['qwen2.5-coder-32b'],
        engines: ['llama.cpp'],
      }),
    });
    const e = p.entries[0];
    assert.ok(!e?.fullyOnGpu, 'does not fit on the GPU');
    if (e) assert.notEqual(e.kvCacheType, 'q4_0');
    assert.ok(
      p.suggestions.some((s) => /shorter context|fewer agents/.test(s)),
      p.suggestions.join('\n'),
    );
  });

  it('refuses weights below 4-bit K-quants unless asked: a 70B on a 5090 gets no Q2_K', () => {
    const run = (allowLowBitWeights: boolean) =>
      planModels({
        hardware: one(rtx5090),
        catalog,
        intent: intent({ models: ['llama-3.1-70b'], engines: ['llama.cpp'], allowLowBitWeights }),
      });
    const floor = run(false);
    for (const r of floor.rejected.filter((x) => ['Q2_K', 'Q3_K_M'].includes(x.quant)))
      assert.match(r.reason, /below the coding floor \(4-bit K-quants\).*fewer agents or less context/);
    assert.ok(!floor.entries.some((x) => ['Q2_K', 'Q3_K_M'].includes(x.quant)));
    // Asked for, the 2-bit file is a candidate again (24.6 GiB of weights fit a 32 GB card).
    assert.ok(run(true).rejected.every((r) => !/coding floor/.test(r.reason)));
  });

  it('takes a q8_0 cache and the whole context over more weight bits (Devstral Small 2 on a 5090)', () => {
    /*
     * Q8_0 23.8 GiB + q8_0 KV 2 × 65536 × 160 KiB × 34/64 = 10.6 GiB > 31.8 GiB: no. Q6_K 18.4 + 10.6 + compute
     * fits. An f16 cache (20 GiB) would only fit with fewer bits than Q5_K_M: the cache goes to q8_0 first.
     */
    const p = planModels({
      hardware: one(rtx5090),
      catalog,
      intent: intent({
        agents: 2,
        contextLength: 65536,
        kvCacheTypes: ['f16', 'q8_0'],
        models: ['devstral-small-2'],
      }),
    });
    const e = p.entries[0];
    assert.ok(e);
    assert.equal(e.id, 'devstral-small-2:Q6_K:llama.cpp');
    assert.equal(e.kvCacheType, 'q8_0');
    assert.equal(e.contextPerAgent, 65536);
  });

  it('sizes the vLLM pool for the tokens agents hold at once, not every window full', () => {
    /*
     * Devstral Small 2 FP8 (24e9 × 8 / 8 B = 22.35 GiB) on one A100 80 GB: 0.9 × 80 GiB = 72 GiB budget − 22.35 GiB
     * − 2 GiB = 47.65 GiB of pool; a 65536-token window is 65536 × 160 KiB = 10 GiB at f16, so the pool holds
     * 4.76 windows (4 whole). 8 agents at half their window need 4: fits (the old rule wanted 8 and sent the box
     * to llama.cpp); 10 agents need 5: no.
     */
    const gpu = resolveGpu({ index: 0, name: 'NVIDIA A100-SXM4-80GB', vramMiB: 81920 }, catalog.gpus);
    const m = model('devstral-small-2');
    const variant = m.variants.find((v) => v.quant === 'FP8');
    assert.ok(variant);
    const fitAgents = (agents: number) =>
      fitVllm({
        model: m,
        variant,
        maxModelLen: 65536,
        agents,
        kvType: 'f16',
        gpus: [{ gpu, freeBytes: 81920 * 2 ** 20 }],
        tensorParallel: 1,
      });
    const eight = fitAgents(8);
    assert.ok(eight.ok, eight.ok ? '' : eight.reason);
    assert.equal(eight.arrangement.fullLengthRequests, 4);
    const ten = fitAgents(10);
    assert.ok(!ten.ok);
    assert.match(ten.reason, /half of each window in use at once/);
  });

  it('quotes prompt processing for a 20K prompt and throughput under the Plan’s agents, with the arithmetic', () => {
    const m = model('devstral-small-2');
    // 2 × 24e9 × 20000 = 9.6e14 weight FLOPs + 2 × 32 heads × 128 × 40 layers × 20000² = 1.31072e14 attention.
    assert.equal(promptFlops({ model: m }, 20000), 9.6e14 + 1.31072e14);
    const gpu = resolveGpu(rtx5090, catalog.gpus);
    const res: Resources = {
      gpus: [gpu],
      gpuFree: new Map([[0, 32607 * 2 ** 20]]),
      ramFreeBytes: 56 * GiB,
      cpuBandwidthGBs: 40,
      cpuCores: 16,
    };
    const variant = m.variants.find((v) => v.quant === 'Q6_K' && v.engine === 'llama.cpp');
    assert.ok(variant);
    const o = {
      model: m,
      variant,
      engine: 'llama.cpp',
      kvType: 'q8_0',
      perGpu: [{ index: 0, weightsBytes: 0, kvCacheBytes: 0, overheadBytes: 0, totalBytes: 0 }],
      gpuLayers: 41,
      estTokensPerSec: 57,
    } as unknown as Option;
    const s = agentSpeed(o, { agents: 2, ctxPerAgent: 65536 }, res);
    // 1.091072e15 FLOPs / (209.5 TFLOPS × 0.5) = 10.42 s on the GPU that holds all 40 layers.
    assert.ok(Math.abs(s.promptSeconds - 1.091072e15 / (209.5e12 * 0.5)) < 1e-9);
    /*
     * Dense: one step reads the weights once (W = 18.4 GiB) and each agent's KV (half of 65536 × 160 KiB × 34/64
     * = 2.66 GiB). Single stream W + K at 57 tok/s; two streams W + 2K → 2 / ((W + 2K)/(W + K) / 57).
     */
    const W = variant.weightsBytes;
    const K = (65536 * 163840 * (34 / 64)) / 2;
    const expected = 2 / (((W + 2 * K) / (W + K)) * (1 / 57));
    assert.ok(
      Math.abs(s.aggregateTokensPerSec - expected) < 1e-6,
      `${s.aggregateTokensPerSec} vs ${expected}`,
    );
    assert.ok(s.aggregateTokensPerSec > 57 && s.aggregateTokensPerSec < 114);
  });
});

describe('MoE expert offload (--n-cpu-moe) on one 24–32 GB card', () => {
  it('keeps attention and the cache on the GPU, moves the fewest layers of routed experts to RAM, and says what it costs', () => {
    const p = planModels({
      hardware: one(rtx4090(0)),
      catalog,
      intent: intent({
        agents: 2,
        contextLength: 65536,
        kvCacheTypes: ['f16', 'q8_0'],
        models: ['qwen3-coder-next'],
      }),
    });
    const e = p.entries[0];
    assert.ok(e, p.rejected.map((r) => r.reason).join('\n'));
    const k = Number(e.args[e.args.indexOf('--n-cpu-moe') + 1]);
    /*
     * Qwen3-Coder-Next Q4_K_M: 79.7e9 × 4.9 / 8 = 45.5 GiB, 48 layers. Routed experts per layer: 512 × 3 × 2048 ×
     * 512 = 1.61e9 of the (79.7e9 − 2 × 151936 × 2048) / 48 = 1.647e9 parameters: 97.8 % of a layer. The card holds
     * 24 GiB less 1 GiB reserve and the compute buffer, so about half of the 48 layers keep their experts in RAM.
     */
    assert.ok(k > 15 && k < 35, `${k}`);
    assert.equal(e.args[e.args.indexOf('-ngl') + 1], '49', 'every layer (and the output layer) on the GPU');
    assert.ok(e.perGpu[0] && e.perGpu[0].totalBytes + GiB <= 24564 * 2 ** 20);
    assert.ok(e.cpuBytes > 15 * GiB);
    assert.ok(e.estTokensPerSec >= 10, `${e.estTokensPerSec}`);
    // Prompt: the RAM-resident experts cross PCIe once per 512-token micro-batch: 40 × cpu expert bytes / 25 GB/s.
    assert.ok(e.promptSeconds20k >= (40 * (e.cpuBytes - GiB)) / 25e9 - 1, `${e.promptSeconds20k}`);
    assert.ok(
      e.notes.some((n) => /MoE expert offload: .*routed experts of \d+ of 48 layers/.test(n)),
      e.notes.join('\n'),
    );
  });

  it('never offloads experts when more than one GPU can share the layers', () => {
    const p = planModels({
      hardware: { gpus: [rtx4090(0), rtx4090(1)], ramMiB: 131072, cpuCores: 24 },
      catalog,
      intent: intent({ agents: 4, contextLength: 65536, kvCacheTypes: ['f16', 'q8_0'] }),
    });
    assert.ok(p.entries.every((e) => !e.args.includes('--n-cpu-moe')));
  });
});
