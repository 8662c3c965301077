import { renderMarkdownTablesAsHtml } from './markdown-to-html.js';
import { renderMarkdown } from './render-markdown.js';
import { renderChart } from './svg-charts.js';
import type { MonthlyReport } from './types.js';

const COLORS = {
  good: '#2f855a',
  bad: '#c53030',
  gpu: '#3182ce',
  cost: '#dd6b20',
  local: '#3182ce',
  cloud: '#a0aec0',
  cloudLine: '#c53030',
};

/** The four charts of the HTML report. */
export function renderCharts(r: MonthlyReport): string[] {
  const dayLabels = r.uptime.daily.map((d) => d.day.slice(8));
  const uptime = renderChart({
    title: `Daily uptime of ${r.uptime.primaryTarget ?? '–'} (%)`,
    labels: dayLabels,
    bars: [{ name: 'uptime', values: r.uptime.daily.map((d) => d.percent), color: COLORS.good }],
    barColor: (v) => (v < r.uptime.targetPercent ? COLORS.bad : undefined),
    unit: '%',
    yMax: 100,
    reference: { value: r.uptime.targetPercent, label: `target ${r.uptime.targetPercent}%` },
  });
  const energy = renderChart({
    title: 'Daily energy (kWh) and its cost ($)',
    labels: dayLabels,
    bars: [{ name: 'kWh', values: r.energy.daily.map((d) => d.kWh), color: COLORS.gpu }],
    rightAxis: {
      unit: '$',
      series: [{ name: 'cost $', values: r.energy.daily.map((d) => d.costUsd), color: COLORS.cost }],
    },
    unit: 'kWh',
  });
  const tokens = renderChart({
    title: 'Tokens per day (thousands)',
    labels: dayLabels,
    bars: [
      { name: 'local', values: r.tokens.daily.map((d) => d.localTokens / 1000), color: COLORS.local },
      { name: 'cloud', values: r.tokens.daily.map((d) => d.cloudTokens / 1000), color: COLORS.cloud },
    ],
    unit: 'k tokens',
  });
  const firstProjected = r.tco.series.findIndex((s) => s.projected);
  const cut = firstProjected < 0 ? undefined : firstProjected;
  const tco = renderChart({
    title: `Cumulative cost: local (hardware up front) vs cloud${r.tco.breakEvenMonth ? ` — break-even ${r.tco.breakEvenMonth}` : ''}`,
    labels: r.tco.series.map((s) => s.month.slice(2)),
    lines: [
      {
        name: 'local',
        values: r.tco.series.map((s) => s.cumLocalUsd),
        color: COLORS.local,
        ...(cut === undefined ? {} : { dashedFrom: cut }),
      },
      {
        name: 'cloud',
        values: r.tco.series.map((s) => s.cumCloudUsd),
        color: COLORS.cloudLine,
        ...(cut === undefined ? {} : { dashedFrom: cut }),
      },
    ],
    unit: '$',
  });
  return [uptime, energy, tokens, tco];
}

/** The page style shared by the HTML report and `ops tco --format html` (screen and print). */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a202c;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{border:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f7fafc}td:not(:first-child){font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:12px}.chart{border:1px solid #e2e8f0;border-radius:6px;padding:6px}
svg .grid{stroke:#edf2f7}svg .tick{font-size:11px;fill:#4a5568}svg .chart-title{font-size:13px;font-weight:600;fill:#1a202c}
svg .reference{stroke:#c53030;stroke-dasharray:4 3;stroke-width:1.5}
td.missed{color:#c53030;font-weight:600}td.met{color:#2f855a;font-weight:600}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;font-size:10.5pt}table{font-size:8.5pt}th,td{padding:2px 4px}.charts{grid-template-columns:1fr}.chart,table,tr{break-inside:avoid}h2{break-after:avoid}}
`;

/** The report as one self-contained HTML page with inline SVG charts and print styles. */
export function renderHtml(r: MonthlyReport): string {
  const body = renderMarkdownTablesAsHtml(renderMarkdown(r))
    .replaceAll('<td><strong>missed</strong></td>', '<td class="missed">missed</td>')
    .replaceAll('<td>met</td>', '<td class="met">met</td>')
    // Model changes that did not go through (the outcome cell starts with it in bold).
    .replace(/<td><strong>(rolled back|failed)<\/strong>/g, '<td class="missed">$1');
  const charts = renderCharts(r)
    .map((svg) => `<div class="chart">${svg}</div>`)
    .join('\n');
  // Charts go right after the success metrics, where a reader looks first.
  const marker = '<h2>Uptime</h2>';
  const html = body.includes(marker)
    ? body.replace(marker, `<h2>Charts</h2>\n<div class="charts">${charts}</div>\n${marker}`)
    : `${body}${charts}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ops report ${r.month}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${REPORT_CSS}</style></head>
<body>
${html}
</body></html>
`;
}
