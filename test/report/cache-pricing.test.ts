import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { loadDefaultPrices } from '../../src/config/load-config.js';
import { pricesSchema } from '../../src/config/ops-config.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { ingestUsageSpool } from '../../src/ledger/spool-ingest.js';
import type { UsageRow } from '../../src/ledger/types.js';
import { parseMonth } from '../../src/report/month-range.js';
import { priceForModel, tokenCost } from '../../src/report/pricing.js';
import { computeTokens } from '../../src/report/tokens.js';

const MONTH = parseMonth('2026-11');
const prices = loadDefaultPrices();

/**
 * A month of Claude Code through the gateway: 2,000 requests of a 50,000-token prompt, of which 90% is read from the
 * prompt cache, 4% written to it and 6% plain input, and 500 output tokens each. Totals: 100M prompt tokens (90M
 * cache reads, 4M cache writes, 6M plain), 1M output.
 */
function claudeCodeMonth(model: string): UsageRow[] {
  const rows: UsageRow[] = [];
  for (let i = 0; i < 2000; i++) {
    rows.push({
      tsMs: MONTH.fromMs + i * 1_000_000,
      api: 'anthropic',
      model,
      upstream: 'coder',
      route: 'local',
      inputTokens: 50_000,
      cacheReadTokens: 45_000,
      cacheWriteTokens: 2_000,
      outputTokens: 500,
      latencyMs: 4000,
      ttftMs: 900,
      status: 200,
      dedupKey: null,
    });
  }
  return rows;
}

// Hand-computed, per million tokens: plain 6M × input + 90M × cache read + 4M × cache write + 1M × output; the naive
// figure prices all 100M prompt tokens at the input rate.
const CASES = [
  // Sonnet 4.x: 6×3 + 90×0.30 + 4×3.75 + 1×15 = 18 + 27 + 15 + 15 = 75; naive 100×3 + 15 = 315.
  { model: 'claude-sonnet-4-5', pricedAs: 'sonnet', cacheAware: 75, naive: 315 },
  // Opus 4.5+: 6×5 + 90×0.50 + 4×6.25 + 1×25 = 30 + 45 + 25 + 25 = 125; naive 100×5 + 25 = 525.
  { model: 'claude-opus-4-8', pricedAs: 'opus', cacheAware: 125, naive: 525 },
  // Haiku 4.5: 6×1 + 90×0.10 + 4×1.25 + 1×5 = 6 + 9 + 5 + 5 = 25; naive 100×1 + 5 = 105.
  { model: 'claude-haiku-4-5', pricedAs: 'haiku', cacheAware: 25, naive: 105 },
  // Opus 4.1 kept the launch price: 6×15 + 90×1.50 + 4×18.75 + 1×75 = 90 + 135 + 75 + 75 = 375; naive 1500 + 75.
  { model: 'claude-opus-4-1-20250805', pricedAs: 'opus-4.0-4.1', cacheAware: 375, naive: 1575 },
];

for (const c of CASES) {
  test(`a Claude Code month on ${c.model}: cache-aware cloud equivalent $${c.cacheAware}, not $${c.naive}`, () => {
    const tokens = computeTokens(claudeCodeMonth(c.model), prices, MONTH);
    assert.equal(tokens.byModel.length, 1);
    assert.equal(tokens.byModel[0]!.pricedAs, c.pricedAs);
    assert.equal(tokens.local.inputTokens, 100_000_000);
    assert.equal(tokens.local.cacheReadTokens, 90_000_000);
    assert.equal(tokens.local.cacheWriteTokens, 4_000_000);
    assert.equal(tokens.local.plainInputTokens, 6_000_000);
    assert.equal(round2(tokens.cloudEquivalentUsd), c.cacheAware);
    assert.equal(round2(tokens.cloudEquivalentUncachedUsd), c.naive);
    const cost = tokens.byModel[0]!.cost;
    assert.equal(
      round2(cost.inputUsd + cost.cacheReadUsd + cost.cacheWriteUsd + cost.outputUsd),
      c.cacheAware,
    );
  });
}

test('without recorded cache reads every prompt token is priced as plain input', () => {
  const rows = claudeCodeMonth('claude-sonnet-4-5').map((r) => ({
    ...r,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  }));
  const tokens = computeTokens(rows, prices, MONTH);
  assert.equal(round2(tokens.cloudEquivalentUsd), 315);
  assert.equal(tokens.cloudEquivalentUsd, tokens.cloudEquivalentUncachedUsd);
});

test('the shipped price list carries four rates per model, its read date and source, at Anthropic’s multipliers', () => {
  assert.equal(
    prices.asOf instanceof Date ? prices.asOf.toISOString().slice(0, 10) : prices.asOf,
    '2026-12-02',
  );
  assert.match(prices.source ?? '', /anthropic\.com/);
  for (const m of prices.models) {
    assert.equal(round2(m.cacheReadUsdPerMTok), round2(m.inputUsdPerMTok * 0.1), m.id);
    assert.equal(round2(m.cacheWriteUsdPerMTok), round2(m.inputUsdPerMTok * 1.25), m.id);
  }
});

test('a configured price without cache rates gets 0.1× and 1.25× of its input price', () => {
  const list = pricesSchema.parse({
    localEquivalent: 'x',
    models: [{ id: 'x', match: ['x'], inputUsdPerMTok: 8, outputUsdPerMTok: 40 }],
  });
  const price = priceForModel('x-model', list);
  assert.equal(price.cacheReadUsdPerMTok, 0.8);
  assert.equal(price.cacheWriteUsdPerMTok, 10);
  const cost = tokenCost(price, {
    inputTokens: 1_000_000,
    cacheReadTokens: 500_000,
    cacheWriteTokens: 250_000,
    outputTokens: 0,
  });
  assert.deepEqual([cost.inputUsd, cost.cacheReadUsd, cost.cacheWriteUsd].map(round2), [2, 0.4, 2.5]);
});

test('cache fields travel from the gateway spool through the ledger to the report, and old lines still import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-cache-'));
  try {
    const spool = join(dir, 'spool');
    mkdirSync(join(spool, 'dep'), { recursive: true });
    const at = '2026-11-03T10:00:00.000Z';
    const line = (extra: object) =>
      JSON.stringify({
        at,
        api: 'anthropic',
        model: 'claude-sonnet-4-5',
        upstream: 'cloud',
        route: 'cloud',
        inputTokens: 10_000,
        outputTokens: 100,
        latencyMs: 1000,
        ttftMs: 200,
        status: 200,
        stream: true,
        cached: false,
        ...extra,
      });
    writeFileSync(
      join(spool, 'dep', 'usage-2026-11-03.ndjson'),
      `${line({ cacheReadTokens: 8000, cacheWriteTokens: 1500 })}\n${line({})}\n${line({ cacheReadTokens: 9000, cacheWriteTokens: 2000 })}\n`,
    );
    const ledger = Ledger.open(join(dir, 'ledger.sqlite'));
    try {
      const summary = ingestUsageSpool(ledger, spool);
      // The third line claims more cache tokens than the prompt has: refused, counted as invalid.
      assert.deepEqual([summary.inserted, summary.invalid], [2, 1]);
      const rows = ledger.usage(MONTH.fromMs, MONTH.toMs);
      assert.deepEqual(
        rows.map((r) => [r.inputTokens, r.cacheReadTokens, r.cacheWriteTokens]),
        [
          [10_000, 8000, 1500],
          [10_000, 0, 0],
        ],
      );
      const totals = ledger.usageTotals(MONTH.fromMs, MONTH.toMs);
      assert.deepEqual(
        totals.map((t) => [t.inputTokens, t.cacheReadTokens, t.cacheWriteTokens]),
        [[20_000, 8000, 1500]],
      );
      // Cloud spend: 500 plain × $3 + 8000 × $0.30 + 1500 × $3.75 + 100 × $15, then the old line at full input.
      const tokens = computeTokens(rows, prices, MONTH);
      assert.equal(
        round6(tokens.cloudSpendUsd),
        round6((500 * 3 + 8000 * 0.3 + 1500 * 3.75 + 100 * 15) / 1e6 + (10_000 * 3 + 100 * 15) / 1e6),
      );
    } finally {
      ledger.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const round2 = (n: number) => Math.round(n * 100) / 100;
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
