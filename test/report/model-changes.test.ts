import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { UpgradeEventRow } from '../../src/ledger/types.js';
import { computeModelChanges } from '../../src/report/model-changes.js';
import { parseMonth } from '../../src/report/month-range.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import type { ModelChangesSection, MonthlyReport } from '../../src/report/types.js';
import { computeTco as computeOwnership } from '../../src/tco/compute-tco.js';

const MARCH = parseMonth('2026-03');
const event = (
  attemptId: string,
  iso: string,
  kind: UpgradeEventRow['kind'],
  detail: UpgradeEventRow['detail'] = {},
): UpgradeEventRow => ({
  tsMs: Date.parse(iso),
  kind,
  attemptId,
  deployment: 'demo',
  action: 'upgrade',
  strategy: 'blue-green',
  detail,
});

/** A report with no data but the model changes, for the renderers. */
function reportWith(modelChanges: ModelChangesSection): MonthlyReport {
  const part = { kWh: 0, costUsd: 0 };
  const none = {
    requests: 0,
    inputTokens: 0,
    plainInputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
  };
  return {
    month: '2026-03',
    period: { from: '2026-03-01', to: '2026-03-31', fromMs: MARCH.fromMs, toMs: MARCH.toMs, partial: false },
    generatedAt: '2026-04-02T00:00:00.000Z',
    profile: { id: 'consumer', title: 'Consumer' },
    uptime: {
      targetPercent: 99.5,
      primaryTarget: null,
      percent: null,
      downMinutes: 0,
      targets: [],
      daily: [],
      incidents: [],
    },
    energy: {
      tariff: 'flat',
      timezone: 'UTC',
      gpu: part,
      cpu: part,
      rest: part,
      total: part,
      byBand: [],
      byDevice: [],
      daily: [],
      measuredHours: 0,
      expectedHours: 0,
    },
    tokens: {
      byModel: [],
      local: none,
      cloud: none,
      cloudEquivalentUsd: 0,
      cloudEquivalentUncachedUsd: 0,
      cloudSpendUsd: 0,
      localSharePercent: null,
      daily: [],
      pricesAsOf: null,
      pricesSource: null,
    },
    latency: {
      targetS: 30,
      requests: 0,
      failedRequests: 0,
      averageMs: null,
      p50Ms: null,
      p95Ms: null,
      ttftP50Ms: null,
      ttftP95Ms: null,
      overTarget: 0,
      byRoute: [],
    },
    tco: {
      hardwareUsd: 0,
      lifetimeYears: 3,
      horizonMonths: 36,
      startMonth: '2026-03',
      monthsInService: 1,
      maintenanceUsdPerMonth: 0,
      toDate: {
        hardwareAmortisedUsd: 0,
        electricityUsd: 0,
        maintenanceUsd: 0,
        cloudSpendUsd: 0,
        totalUsd: 0,
        cloudUsd: 0,
        savingsUsd: 0,
      },
      overHorizon: { totalUsd: 0, cloudUsd: 0, savingsUsd: 0 },
      monthlyCostAfterHardwareUsd: 0,
      breakEvenMonth: null,
      breakEvenProjected: false,
      projectionPerMonth: { electricityUsd: 0, cloudEquivalentUsd: 0, cloudSpendUsd: 0 },
      series: [],
      lifetime: computeOwnership({
        hardwareUsd: 0,
        years: 3,
        maintenanceUsdPerYear: 0,
        electricityUsdPerMonth: 0,
        cloudUsdPerMonth: 0,
      }),
    },
    modelChanges,
    metrics: [],
    warnings: [],
  };
}

describe('model changes in the monthly report', () => {
  const events = [
    // Listed in event order on purpose out of time order: grouping and sorting are the builder's job.
    event('rb', '2026-03-18T14:00:45Z', 'upgrade:rolled-back', {
      reason: 'smoke check failed: no tool call | HTTP 500\nstack…',
      durationMs: 45_000,
    }),
    event('rb', '2026-03-18T14:00:00Z', 'upgrade:start', { changes: ['coder: coder-2 → coder-3'] }),
    event('ok', '2026-03-12T09:00:00Z', 'upgrade:start', { changes: ['coder: c → d'] }),
    event('ok', '2026-03-12T09:04:00Z', 'upgrade:switched', {
      from: ['coder'],
      to: ['coder-2'],
      durationMs: 240_000,
    }),
    event('edge', '2026-02-28T23:58:00Z', 'upgrade:start', { changes: ['coder: b → c'] }),
    event('edge', '2026-03-01T00:03:00Z', 'upgrade:switched', { from: ['b'], to: ['c'] }),
    event('feb', '2026-02-10T09:00:00Z', 'upgrade:start'),
    event('open', '2026-03-30T08:00:00Z', 'upgrade:start', { changes: ['fast: x → y'] }),
  ];

  test('groups events by attempt, keeps the attempts that touch the month, sorted by start', () => {
    const mc = computeModelChanges(events, MARCH);
    assert.deepEqual(
      mc.attempts.map((a) => [a.id, a.outcome, a.durationMs, a.startedBeforeMonth]),
      [
        // No durationMs in its last event: the time from its first event to its last.
        ['edge', 'switched', 300_000, true],
        ['ok', 'switched', 240_000, false],
        ['rb', 'rolled-back', 45_000, false],
        ['open', 'unfinished', null, false],
      ],
    );
    assert.equal(mc.attempts[2]!.reason, 'smoke check failed: no tool call | HTTP 500\nstack…');
    assert.deepEqual([mc.switched, mc.rolledBack, mc.failed, mc.unfinished], [2, 1, 0, 1]);
    assert.deepEqual(computeModelChanges(events, parseMonth('2026-01')).attempts, []);
    // February sees its own attempt and the one that started on its last day.
    assert.deepEqual(
      computeModelChanges(events, parseMonth('2026-02')).attempts.map((a) => [a.id, a.endedAfterMonth]),
      [
        ['feb', false],
        ['edge', true],
      ],
    );
  });

  test('markdown: a summary line, then one row per attempt with outcome, reason, from → to and duration', () => {
    const md = renderMarkdown(reportWith(computeModelChanges(events, MARCH)));
    assert.match(
      md,
      /Model changes: 4 upgrade\/rollback attempts this month, 2 switched, \*\*1 rolled back\*\*, 1 not finished/,
    );
    const section = md.slice(md.indexOf('## Model changes'), md.indexOf('## Total cost of ownership'));
    assert.deepEqual(section.trim().split('\n').slice(2), [
      '| Time | Deployment | Action | Strategy | Outcome | From → to | Duration |',
      '|---|---|---|---|---|---|---|',
      '| 2026-02-28 23:58 UTC (from previous month) | demo | upgrade | blue-green | switched | b → c | 5 min |',
      '| 2026-03-12 09:00 UTC | demo | upgrade | blue-green | switched | coder → coder-2 | 4 min |',
      '| 2026-03-18 14:00 UTC | demo | upgrade | blue-green | **rolled back**: smoke check failed: no tool call \\| HTTP 500 | coder: coder-2 → coder-3 | 45 s |',
      '| 2026-03-30 08:00 UTC | demo | upgrade | blue-green | started, not finished | fast: x → y | – |',
    ]);
    const none = renderMarkdown(reportWith(computeModelChanges([], MARCH)));
    assert.match(none, /## Model changes\n\nNo upgrades or rollbacks this month\./);
    assert.doesNotMatch(none, /Model changes: /);
  });

  test('html: the section as a table, with the rolled-back outcome marked', () => {
    const html = renderHtml(reportWith(computeModelChanges(events, MARCH)));
    assert.match(html, /<h2>Model changes<\/h2>\n<table>/);
    assert.match(
      html,
      /<td class="missed">rolled back: smoke check failed: no tool call \| HTTP 500<\/td><td>coder: coder-2 → coder-3<\/td><td>45 s<\/td>/,
    );
  });
});
