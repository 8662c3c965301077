import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { inventoryFromNvidiaSmiXml } from '../../src/detect/inventory-from-file.js';
import { intentFromDefaults } from '../../src/planner/intent-defaults.js';
import { inventoryToHardware } from '../../src/planner/inventory-to-hardware.js';
import { planModels } from '../../src/planner/plan-models.js';
import { classify } from '../../src/profiles/classify.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { catalog } from './helpers.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'nvidia-smi');

/*
 * Every nvidia-smi fixture planned with the default intent of the profile it lands in, reviewed by hand: the
 * model (catalog quality = SWE-bench Verified), its engine, context × agents, and why it is what an expert would
 * run there. Host RAM and cores are unknown from an nvidia-smi file: 64 GiB and 16 cores are assumed
 * (inventoryToHardware). A change to the catalog or the planner that moves a row must be reviewed here.
 *
 * Data-parallel copies (planner/replicas.ts; `copies`, 1 when absent, `load` is per copy): none of these default
 * plans splits, reviewed: every model here needs all of its box's GPUs for its agents (the 4090 pair, the V100
 * pair, GLM-4.7 at tensor parallel 8 on the H100s), or the box has one usable GPU, or (A100 + V100) the other card
 * cannot hold a copy (Qwen3-Coder-Next Q4_K_M is 45.5 GiB, the V100 32 GB). Copies appear with a smaller model on a
 * wider box: `--models qwen3-coder-next` on the H100s plans two tensor-parallel-4 copies (test/planner/replicas.test.ts).
 */
const REVIEWED: Record<
  string,
  { profile: string; model: string; engine: string; load: string; why: string; copies?: number }
> = {
  'rtx-4090-550.xml': {
    profile: 'consumer',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '65536 × 2',
    why: 'the best current coder (70.6) with its routed experts partly in RAM (--n-cpu-moe): ~47 tokens/s, a 20K prompt in ~45 s (experts cross PCIe per micro-batch); fully on the card only Qwen3.5-35B-A3B (58.6) fits',
  },

  'rtx-5090-570.xml': {
    profile: 'consumer',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '65536 × 2',
    why: 'as on a 4090 with fewer experts in RAM: ~71 tokens/s, 20K prompt ~30 s; Devstral Small 2 Q6_K (59.1) is the best that fits whole',
  },

  'rtx-4090-x2-535.xml': {
    profile: 'prosumer',
    model: 'devstral-small-2:Q8_0',
    engine: 'llama.cpp',
    load: '65536 × 4',
    why: '8-bit weights split over both cards, four 64K agents; the 80B Qwen3-Coder-Next at 4 bits (45.5 GiB) leaves no room for its caches in 48 GB',
  },
  'rtx-a6000-470.xml': {
    profile: 'prosumer',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '65536 × 4',
    why: 'one 48 GB card: only a few layers of experts go to RAM (20K prompt ~7 s); two 4090s split layers instead',
  },

  'mixed-4090-3060-550.xml': {
    profile: 'consumer',
    model: 'devstral-small-2:Q6_K',
    engine: 'llama.cpp',
    load: '65536 × 2',
    why: 'layer split over the 24 GB and the 12 GB card (36 GiB)',
  },
  'l40s-550.xml': {
    profile: 'enterprise',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '131072 × 16',
    why: 'sixteen 128K agents on 48 GB: the 80B-A3B keeps its small hybrid cache on the card and some experts in RAM (20K prompt ~48 s)',
  },

  'a100-80gb-535.xml': {
    profile: 'enterprise',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '131072 × 16',
    why: 'the best current coder (70.6) that fits 80 GB with sixteen 128K agents; its FP8 checkpoint (74 GiB) leaves no pool',
  },
  'a100-80gb-mig-550.xml': {
    profile: 'enterprise',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '131072 × 16',
    why: 'MIG on: an engine must fit one slice, so the largest (3g.40gb) is planned: the 80B-A3B with more experts in RAM (20K prompt ~58 s)',
  },
  'h200-570.xml': {
    profile: 'enterprise',
    model: 'qwen3-coder-next:FP8-block',
    engine: 'vllm',
    load: '131072 × 16',
    why: 'FP8 weights (74 GiB) and a pool for sixteen agents at half their 128K window in 141 GB',
  },
  'h100-sxm-x8-550.xml': {
    profile: 'enterprise',
    model: 'glm-4.7:FP8',
    engine: 'vllm',
    load: '131072 × 16',
    why: 'a 355B frontier coder (73.4 independent) in FP8 over eight GPUs with tensor parallel 8; DeepSeek-V3.2 (FP8, 625 GiB) does not fit 8 × 80 GB with a pool',
  },
  'a100-80gb-mig-empty-550.xml': {
    profile: 'cpu-only',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '65536 × 1',
    why: 'no usable GPU: a 3B-active MoE decodes at ~11 tokens/s from RAM; a 20K prompt takes minutes, and the plan says so',
  },
  'v100-x2-535.xml': {
    profile: 'enterprise',
    model: 'qwen3.5-35b-a3b:Q8_0',
    engine: 'llama.cpp',
    load: '131072 × 16',
    why: 'Volta has no FP8 or BF16 tensor cores, so the FP8 checkpoints vLLM would serve are out (block FP8 needs 8.9+); 8-bit GGUF split over both cards, its hybrid attention keeps 16 long caches small',
  },
  'mixed-a100-v100-535.xml': {
    profile: 'enterprise',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '131072 × 16',
    why: 'the A100 alone carries the best coder; the V100 is left to what fits beside it rather than slowing a split',
  },
  'mixed-5090-v100-570.xml': {
    profile: 'enterprise',
    model: 'qwen3.5-35b-a3b:Q8_0',
    engine: 'llama.cpp',
    load: '131072 × 16',
    why: 'planned as the V100 pair is (no FP8 on Volta); ops setup refuses to install one driver for Blackwell and Volta together, and says so',
  },
  'tesla-k80-470.xml': {
    profile: 'cpu-only',
    model: 'qwen3-coder-next:Q4_K_M',
    engine: 'llama.cpp',
    load: '65536 × 1',
    why: 'a K80 is too old for CUDA 12: planned as a CPU-only box',
  },
};

describe('plans for every nvidia-smi fixture, reviewed', () => {
  const profiles = loadProfiles(defaultProfilesDir());
  const files = readdirSync(DIR).filter((f) => f.endsWith('.xml') && !f.startsWith('truncated'));

  it('reviews every fixture', () => {
    assert.deepEqual(files.sort(), Object.keys(REVIEWED).sort());
  });

  for (const file of files) {
    const want = REVIEWED[file];
    it(`${file}: ${want?.model} on ${want?.engine}, ${want?.load} — ${want?.why}`, async () => {
      assert.ok(want);
      const inventory = await inventoryFromNvidiaSmiXml(join(DIR, file));
      const { hardware } = inventoryToHardware(inventory);
      const profile = profiles.find((p) => p.id === classify(inventory, profiles).id);
      assert.equal(profile?.id, want.profile);
      const intent = intentFromDefaults(profile, {});
      const p = planModels({ hardware, catalog, intent });
      const e = p.entries[0];
      assert.ok(e, p.suggestions.join('\n'));
      assert.equal(`${e.modelId}:${e.quant}`, want.model);
      assert.equal(e.engine, want.engine);
      assert.equal(`${e.contextPerAgent} × ${e.parallel}`, want.load);
      assert.equal(1 + (e.replicas?.length ?? 0), want.copies ?? 1, 'data-parallel copies');
      assert.ok(
        !e.modelId.startsWith('ops-smoke') && !catalog.models.find((m) => m.id === e.modelId)?.legacy,
      );
      assert.ok(e.kvCacheType !== 'q4_0');
      // On the GPU, or a MoE with its routed experts in RAM (--n-cpu-moe) at a usable speed; never layers on the CPU.
      const expertOffload = e.args.includes('--n-cpu-moe');
      if (hardware.gpus.length > 0) {
        assert.ok(e.fullyOnGpu || expertOffload, e.notes.join('\n'));
        if (expertOffload) assert.ok(e.estTokensPerSec >= 10 && e.promptSeconds20k <= 60);
      } else assert.equal(e.fullyOnGpu, false);
      assert.ok(e.promptSeconds20k > 0 && e.aggregateTokensPerSec >= e.estTokensPerSec * 0.99);
      // Every entry serves both tiers or leaves the second one to a model that fits beside it.
      assert.deepEqual([e.role, ...e.alsoServes].sort(), ['fast-coder', 'quality-coder']);
    });
  }
});
