import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  capacityChanged,
  capacitySnapshot,
  type UpstreamCapacityInputs,
} from '../../../src/gateway/capacity/capacity-snapshot.js';
import { kvUsageFromMetrics, kvUsageFromSlots } from '../../../src/gateway/capacity/kv-usage.js';
import { ServedSpeed } from '../../../src/gateway/capacity/served-speed.js';
import type { UsageRecord } from '../../../src/gateway/types.js';

const base: UpstreamCapacityInputs = {
  name: 'coder',
  aliases: ['quality'],
  location: 'local',
  slotsTotal: 4,
  busy: 0,
  leasedSlots: 0,
  leasedBusy: 0,
  leasedQueued: 0,
  queuedInteractive: 0,
  queuedBackground: 0,
  maxQueued: 64,
  contextPerSlot: 8192,
  serviceTimeS: 6,
  held: false,
  kvUsageRatio: null,
  kvSource: null,
  speed: null,
  quality: null,
  activeLeases: 0,
};

describe('capacity snapshot', () => {
  const cases: { name: string; with: Partial<UpstreamCapacityInputs>; free: number; waitS: number | null }[] =
    [
      { name: 'idle: no wait', with: {}, free: 4, waitS: 0 },
      { name: 'some busy: no wait', with: { busy: 3 }, free: 1, waitS: 0 },
      { name: 'all busy: one service time over the slots', with: { busy: 4 }, free: 0, waitS: 1.5 },
      {
        name: 'queue ahead: (queued + 1) service times over the slots',
        with: { busy: 4, queuedInteractive: 2, queuedBackground: 1 },
        free: 0,
        waitS: 6,
      },
      {
        name: 'leases shrink what others share',
        with: { busy: 2, leasedSlots: 2, leasedBusy: 0 },
        free: 0,
        waitS: 3,
      },
      {
        name: 'leased work does not count against the unleased slots',
        with: { busy: 2, leasedSlots: 2, leasedBusy: 2 },
        free: 2,
        waitS: 0,
      },
      { name: 'every slot leased: no unleased wait to tell', with: { leasedSlots: 4 }, free: 0, waitS: null },
      { name: 'held for a switch: waits though slots are free', with: { held: true }, free: 4, waitS: 1.5 },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const s = capacitySnapshot({ ...base, ...c.with });
      assert.equal(s.slots.unleased_free, c.free);
      assert.equal(s.expected_wait_s, c.waitS);
    });
  }

  it('reports KV headroom, speed and quality with their sources', () => {
    const s = capacitySnapshot({
      ...base,
      kvUsageRatio: 0.25,
      kvSource: 'metrics',
      speed: { tokensPerSecond: 41.26, source: 'served' },
      quality: { score: 0.62, source: 'eval', detail: 'ops eval pass rate' },
    });
    assert.deepEqual(s.kv_cache, { usage_ratio: 0.25, headroom_ratio: 0.75, source: 'metrics' });
    assert.equal(s.tokens_per_second, 41.3);
    assert.equal(s.tokens_per_second_source, 'served');
    assert.deepEqual(s.quality, { score: 0.62, source: 'eval', detail: 'ops eval pass rate' });
    assert.equal(s.context_per_slot, 8192);
  });

  it('a change is what a scheduler acts on: slots, queue, leases, hold', () => {
    const a = capacitySnapshot(base);
    assert.equal(capacityChanged(undefined, a), true);
    assert.equal(capacityChanged(a, capacitySnapshot({ ...base, kvUsageRatio: 0.3 })), false);
    assert.equal(capacityChanged(a, capacitySnapshot({ ...base, busy: 1 })), true);
    assert.equal(capacityChanged(a, capacitySnapshot({ ...base, leasedSlots: 1, activeLeases: 1 })), true);
  });
});

describe('KV use from engine metrics', () => {
  it('reads llama.cpp and vLLM gauges and says null when there is none', () => {
    assert.equal(
      kvUsageFromMetrics('# HELP llamacpp:kv_cache_usage_ratio x\nllamacpp:kv_cache_usage_ratio 0.125\n'),
      0.125,
    );
    assert.equal(
      kvUsageFromMetrics(
        'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.5\nvllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.25\n',
      ),
      0.375,
    );
    assert.equal(kvUsageFromMetrics('vllm:gpu_cache_usage_perc{model_name="m"} 0.9\n'), 0.9);
    // llama-server 0.7.0 (the CPU image): no KV gauge among its llamacpp:* metrics.
    assert.equal(
      kvUsageFromMetrics('llamacpp:prompt_tokens_total 12\nllamacpp:requests_processing 0\n'),
      null,
    );
    assert.equal(kvUsageFromMetrics('llamacpp:kv_cache_usage_ratio_x 0.5\n'), null);
  });
});

describe('KV use from llama-server /slots', () => {
  // The shape llama-server 0.7.0 (the CPU image) answers, trimmed to the fields read.
  const slot = (over: object) => ({ id: 0, n_ctx: 1024, speculative: false, is_processing: false, ...over });
  it('counts busy slots’ prompt and decoded tokens over all slots’ context', () => {
    assert.equal(
      kvUsageFromSlots([
        slot({
          is_processing: true,
          n_prompt_tokens: 400,
          next_token: [{ has_next_token: true, n_decoded: 112 }],
        }),
        slot({ id: 1, n_prompt_tokens: 49, next_token: [{ n_decoded: 8 }] }),
      ]),
      0.25,
    );
    assert.equal(kvUsageFromSlots([slot({}), slot({ id: 1 })]), 0, 'idle slots hold nothing a request needs');
    assert.equal(kvUsageFromSlots({ error: 'slots endpoint disabled' }), null);
    assert.equal(kvUsageFromSlots([{ id: 0 }]), null);
  });
});

describe('served speed', () => {
  const record = (r: Partial<UsageRecord>): UsageRecord => ({
    at: '2026-12-01T00:00:00Z',
    api: 'openai',
    model: 'coder',
    upstream: 'coder',
    route: 'local',
    inputTokens: 100,
    outputTokens: 101,
    latencyMs: 3000,
    ttftMs: 1000,
    status: 200,
    stream: true,
    cached: false,
    ...r,
  });
  it('measures decode tokens/s from streams only, as a moving average', () => {
    const s = new ServedSpeed(0.5);
    s.observe(record({ stream: false }));
    s.observe(record({ status: 502 }));
    s.observe(record({ cached: true }));
    s.observe(record({ ttftMs: null }));
    assert.equal(s.tokensPerSecond('coder'), undefined);
    s.observe(record({}));
    assert.equal(s.tokensPerSecond('coder'), 50);
    s.observe(record({ latencyMs: 2000 }));
    assert.equal(s.tokensPerSecond('coder'), 75);
  });
});
