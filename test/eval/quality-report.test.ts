import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadDefaultPrices } from '../../src/config/load-config.js';
import { recordSuiteResult } from '../../src/eval/eval-store.js';
import { type SuiteResult, summarize } from '../../src/eval/summarize.js';
import type { TaskOutcome } from '../../src/eval/types.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { loadProfiles } from '../../src/profiles/load-profiles.js';
import { defaultProfilesDir } from '../../src/profiles/profiles-dir.js';
import { buildReport } from '../../src/report/build-report.js';
import { gatherReportInputs } from '../../src/report/gather-inputs.js';
import { computeQuality } from '../../src/report/quality.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderMarkdown } from '../../src/report/render-markdown.js';
import { resolveReportSettings } from '../../src/report/report-settings.js';
import type { MonthlyReport } from '../../src/report/types.js';
import { CONFIG, fillMarchLedger, MONTH, NOW_MS } from '../report/march-fixture.js';

function run(
  at: string,
  suite: string,
  passed: number,
  total: number,
  extra: Partial<SuiteResult> = {},
): SuiteResult {
  const outcomes: TaskOutcome[] = Array.from({ length: total }, (_, i) => ({
    id: `${suite}-${i}`,
    suite,
    language: 'python',
    passed: i < passed,
    status: i < passed ? 'passed' : 'failed',
    latencyMs: 4000,
    testMs: 10,
  }));
  return summarize({
    suite,
    kind: suite === 'tools' ? 'tools' : 'code',
    model: 'coder',
    api: 'openai',
    target: 'local',
    startedAt: at,
    durationMs: 1,
    outcomes,
    ...extra,
  });
}

describe('report quality section', () => {
  let dir: string;
  let report: MonthlyReport;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ops-quality-'));
    const ledger = Ledger.open(join(dir, 'ledger.sqlite'));
    fillMarchLedger(ledger);
    // The baseline was taken once, in January; March has two local runs of builtin (the later one counts).
    recordSuiteResult(
      ledger,
      run('2026-01-10T00:00:00Z', 'builtin', 36, 40, { target: 'baseline', model: 'claude-sonnet-4-5' }),
    );
    recordSuiteResult(ledger, run('2026-03-02T00:00:00Z', 'builtin', 20, 40));
    recordSuiteResult(ledger, run('2026-03-20T00:00:00Z', 'builtin', 32, 40));
    recordSuiteResult(ledger, run('2026-03-20T00:00:00Z', 'tools', 6, 8));
    recordSuiteResult(ledger, run('2026-04-02T00:00:00Z', 'builtin', 1, 40));
    const profile = loadProfiles(defaultProfilesDir()).find((p) => p.id === 'consumer')!;
    report = buildReport(
      gatherReportInputs(ledger, MONTH, resolveReportSettings(CONFIG, profile, loadDefaultPrices()), NOW_MS),
    );
    ledger.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compares the latest local run of the month with the stored baseline and judges the criteria', () => {
    const q = report.quality!;
    assert.deepEqual(
      q.lines.map((l) => [l.suite, l.passed, l.total, l.baseline?.rate ?? null]),
      [
        ['builtin', 32, 40, 0.9],
        ['tools', 6, 8, null],
      ],
    );
    const builtin = q.lines[0]!;
    assert.ok(Math.abs(builtin.shareOfBaseline! - 0.8 / 0.9) < 1e-9);
    assert.deepEqual(
      q.criteria.map((c) => [c.name, c.met]),
      [
        ['Task completion vs cloud', null],
        ['Code quality vs cloud', true],
        ['Eval latency per request', true],
      ],
    );
    assert.match(q.criteria[0]!.value, /no data \(the agentic suite has not run\)/);
    assert.equal(q.criteria[1]!.value, '89% (80% vs 90%)');
  });

  it('renders in markdown, HTML and JSON', () => {
    const md = renderMarkdown(report);
    assert.match(md, /## Coding quality \(ops eval\)/);
    assert.match(
      md,
      /\| builtin \| coder \| 32\/40 = 80% \[65%, 90%\] \| 90% \[77%, 96%\] \| 89% \| 4\.00 s \|/,
    );
    assert.match(
      md,
      /\| Code quality vs cloud \| ≥ 85% of the cloud baseline \| 89% \(80% vs 90%\) \| met \|/,
    );
    const html = renderHtml(report);
    assert.match(html, /<h2>Coding quality \(ops eval\)<\/h2>/);
    assert.match(html, /<td>Eval latency per request<\/td>/);
    const json = JSON.parse(JSON.stringify(report)) as MonthlyReport;
    assert.equal(json.quality?.criteria.length, 3);
  });

  it('says so when nothing was measured, and fails the code criterion below 85% of the baseline', () => {
    assert.deepEqual(
      computeQuality([], 30).criteria.map((c) => c.value),
      ['no data (the agentic suite has not run)', 'no data (run ops eval)', 'no data'],
    );
    const base = {
      tsMs: 0,
      suite: 'builtin',
      kind: 'code',
      model: 'm',
      variant: null,
      rateLow: 0,
      rateHigh: 1,
      meanLatencyMs: 31_000,
      p95LatencyMs: 0,
    };
    const q = computeQuality(
      [
        { ...base, target: 'baseline', passed: 10, total: 10 },
        { ...base, target: 'local', passed: 8, total: 10, tsMs: 1 },
      ],
      30,
    );
    assert.deepEqual(
      q.criteria.slice(1).map((c) => c.met),
      [false, false],
    );
  });

  it('the agentic suite is the task completion line; its whole sessions are not per-request latency', () => {
    const line = {
      tsMs: 1,
      model: 'm',
      variant: null,
      rateLow: 0,
      rateHigh: 1,
      p95LatencyMs: 0,
      target: 'local' as const,
    };
    const q = computeQuality(
      [
        { ...line, suite: 'agentic', kind: 'agentic', passed: 3, total: 4, meanLatencyMs: 240_000 },
        { ...line, suite: 'builtin', kind: 'code', passed: 8, total: 10, meanLatencyMs: 2_000 },
      ],
      30,
    );
    assert.deepEqual(
      q.criteria.map((c) => [c.name, c.value, c.met]),
      [
        ['Task completion vs cloud', '75% locally, no stored baseline', null],
        ['Code quality vs cloud', '80% locally, no stored baseline', null],
        ['Eval latency per request', '2.00 s', true],
      ],
    );
  });
});
