import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadDefaultPrices } from '../../src/config/load-config.js';
import { type PriceList, pricesSchema } from '../../src/config/ops-config.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { UsageRow } from '../../src/ledger/types.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { buildReport } from '../../src/report/build-report.js';
import { gatherReportInputs } from '../../src/report/gather-inputs.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { resolveReportSettings } from '../../src/report/report-settings.js';
import { computeRouting } from '../../src/report/routing.js';
import type { MonthlyReport } from '../../src/report/types.js';
import { CONFIG, fillMarchLedger, MONTH, NOW_MS } from './march-fixture.js';

// Round prices so every figure below is worked out by hand: $10 / $50 per million tokens, no cache traffic.
const PRICES: PriceList = pricesSchema.parse({
  localEquivalent: 'sonnet',
  models: [{ id: 'sonnet', match: ['claude'], inputUsdPerMTok: 10, outputUsdPerMTok: 50 }],
});

const row = (over: Partial<UsageRow>): UsageRow => ({
  tsMs: Date.parse('2026-03-10T12:00:00Z'),
  api: 'anthropic',
  model: 'claude-sonnet-4-5',
  upstream: 'coder',
  route: 'local',
  inputTokens: 100_000,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 10_000,
  latencyMs: 1000,
  ttftMs: 100,
  status: 200,
  dedupKey: null,
  ...over,
});

// Each request: 100K in at $10/M = $1, 10K out at $50/M = $0.50 → $1.50.
const ROWS: UsageRow[] = [
  row({ routeReason: 'local-preferred' }),
  row({ routeReason: 'local-preferred' }),
  row({ route: 'cloud', upstream: 'cloud', routeReason: 'task-rule', routeRule: 'opus-to-cloud' }),
  row({ route: 'cloud', upstream: 'cloud', routeReason: 'local-overloaded' }),
  row({ routeReason: 'cloud-down', routeRule: 'opus-to-cloud' }),
  row({ api: 'openai' }),
];

describe('tokens and savings per route and per rule', () => {
  it('sums each decision, local at cloud prices (saved), cloud at what it cost', () => {
    const lines = computeRouting(ROWS, PRICES).map((l) => [
      l.route,
      l.reason,
      l.rule,
      l.requests,
      l.inputTokens + l.outputTokens,
      l.savedUsd,
      l.spentUsd,
    ]);
    assert.deepEqual(lines, [
      ['cloud', 'task-rule', 'opus-to-cloud', 1, 110_000, 0, 1.5],
      ['cloud', 'local-overloaded', null, 1, 110_000, 0, 1.5],
      ['local', 'local-preferred', null, 2, 220_000, 3, 0],
      ['local', 'cloud-down', 'opus-to-cloud', 1, 110_000, 1.5, 0],
      ['local', 'unrecorded', null, 1, 110_000, 1.5, 0],
    ]);
  });

  describe('in the monthly report (md, html, json)', () => {
    let dir: string;
    let report: MonthlyReport;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ops-routing-report-'));
      const ledger = Ledger.open(join(dir, 'ledger.sqlite'));
      fillMarchLedger(ledger);
      ledger.insertUsage(ROWS.map((r, i) => ({ ...r, dedupKey: `routing-${i}` })));
      const profile = loadProfiles(defaultProfilesDir()).find((p) => p.id === 'consumer')!;
      const settings = { ...resolveReportSettings(CONFIG, profile, loadDefaultPrices()), prices: PRICES };
      report = buildReport(gatherReportInputs(ledger, MONTH, settings, NOW_MS));
      ledger.close();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('markdown has a row per decision with its rule, saved and spent', () => {
      const md = renderMarkdown(report);
      assert.match(md, /### Tokens by routing decision/);
      assert.match(md, /\| cloud \| task-rule \| opus-to-cloud \| 1 \| 100,000 \| 10,000 \| — \| \$1\.50 \|/);
      assert.match(
        md,
        /\| local \| cloud-down \| opus-to-cloud \| 1 \| 100,000 \| 10,000 \| \$1\.50 \| — \|/,
      );
    });

    it('html shows the same table', () => {
      const html = renderHtml(report);
      assert.match(html, /Tokens by routing decision/);
      assert.match(html, /<td>opus-to-cloud<\/td>/);
    });

    it('json carries the lines', () => {
      const json = JSON.parse(JSON.stringify(report)) as MonthlyReport;
      const rule = json.tokens.byRouting!.find((l) => l.rule === 'opus-to-cloud' && l.route === 'cloud');
      assert.deepEqual(rule && [rule.requests, rule.spentUsd], [1, 1.5]);
    });
  });
});
