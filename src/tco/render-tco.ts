import { int, usd } from '../report/format.js';
import { renderMarkdownTablesAsHtml } from '../report/markdown-to-html.js';
import { REPORT_CSS } from '../report/render-html.js';
import { renderChart } from '../report/svg-charts.js';
import type { SensitivityRow } from './sensitivity.js';
import type { Sourced, TcoReport, TcoScenario } from './tco-scenario.js';

const table = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const source = (s: Sourced<unknown>) => (s.isDefault ? `**default**: ${s.basis}` : s.basis);
const months = (n: number | null, horizon: number) =>
  n === null ? 'never' : `month ${n}${n > horizon ? ` (after the ${horizon}-month horizon)` : ''}`;
const days = (d: readonly string[]) =>
  d.length === 7 ? 'every day' : d.join('–') === 'mon–tue–wed–thu–fri' ? 'Mon–Fri' : d.join(', ');
const hour = (h: number) =>
  `${String(Math.floor(h)).padStart(2, '0')}:${String(Math.round((h % 1) * 60)).padStart(2, '0')}`;

/** `ops tco` as Markdown: per option its inputs (defaults marked), TCO by year, break-even, sensitivity. */
export function renderTcoMarkdown(r: TcoReport): string {
  const out: string[] = ['# Total cost of ownership before buying'];
  out.push(
    `Generated ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC. Figures in US dollars; the hardware is paid in month 1.`,
  );
  if (r.scenarios.length > 1) {
    out.push('## Options compared');
    out.push(
      table(
        [
          'Option',
          'Hardware',
          'Electricity / month',
          `TCO`,
          'Break-even cloud spend / year',
          'Pays back',
          'Savings over horizon',
        ],
        r.scenarios.map((s) => [
          s.option.name,
          usd(s.tco.terms.hardwareUsd),
          usd(s.tco.terms.electricityUsdPerMonth),
          `**${usd(s.tco.total.totalUsd)}**`,
          usd(s.tco.breakEvenCloudUsdPerYear),
          months(s.tco.breakEvenMonth, s.years * 12),
          usd(s.tco.total.savingsUsd),
        ]),
      ),
    );
  }
  for (const s of r.scenarios) out.push(...renderScenario(s));
  const notes = [...r.warnings, ...new Set(r.scenarios.flatMap((s) => s.defaults))];
  if (notes.length > 0) {
    out.push('## Notes');
    out.push(notes.map((w) => `- ${w}`).join('\n'));
  }
  return `${out.join('\n\n')}\n`;
}

function renderScenario(s: TcoScenario): string[] {
  const t = s.tco;
  const horizon = Math.round(s.years * 12);
  const out: string[] = [`## ${s.option.name}: ${s.option.gpus}`];
  const unused = s.electricityUsdPerMonth ? 'not used: electricity given per month' : undefined;
  const electricityRow = s.electricityUsdPerMonth
    ? ['Electricity', `${usd(s.electricityUsdPerMonth.value)} / month`, source(s.electricityUsdPerMonth)]
    : [
        'Electricity',
        `${usd(s.electricity!.usdPerMonth)} / month (${int(s.electricity!.kWhPerMonth)} kWh)`,
        'power × use × tariff',
      ];
  out.push(
    table(
      ['Input', 'Value', 'Source'],
      [
        ['Hardware', usd(s.hardwareUsd.value), source(s.hardwareUsd)],
        [
          'Power',
          `${int(s.power.value.loadW)} W at load, ${int(s.power.value.idleW)} W idle`,
          unused ?? source(s.power),
        ],
        [
          'Use',
          `${s.schedule.value.hoursPerDay} h/day at load, ${days(s.schedule.value.days)} from ${hour(s.schedule.value.startHour)}; idle otherwise`,
          unused ?? source(s.schedule),
        ],
        ['Tariff', s.tariff.label, unused ?? source(s.tariff)],
        electricityRow,
        ['Maintenance', `${usd(s.maintenanceUsdPerYear.value)} / year`, source(s.maintenanceUsdPerYear)],
        ['Cloud spend now', `${usd(s.cloudUsdPerMonth.value)} / month`, source(s.cloudUsdPerMonth)],
        ['Horizon', `${s.years} years`, ''],
      ],
    ),
  );
  out.push(`### TCO by year`);
  out.push(
    table(
      [
        'Year',
        'Hardware',
        'Electricity',
        'Maintenance',
        'Total',
        'Cumulative',
        'Cloud (same work)',
        'Cumulative savings',
      ],
      [
        ...t.byYear.map((y) => [
          String(y.year),
          usd(y.hardwareUsd),
          usd(y.electricityUsd),
          usd(y.maintenanceUsd),
          usd(y.totalUsd),
          usd(y.cumulativeUsd),
          usd(y.cloudUsd),
          usd(y.cumulativeSavingsUsd),
        ]),
        [
          '**Total**',
          `**${usd(t.total.hardwareUsd)}**`,
          `**${usd(t.total.electricityUsd)}**`,
          `**${usd(t.total.maintenanceUsd)}**`,
          `**${usd(t.total.totalUsd)}**`,
          '',
          `**${usd(t.total.cloudUsd)}**`,
          `**${usd(t.total.savingsUsd)}**`,
        ],
      ],
    ),
  );
  out.push(
    `TCO over ${s.years} years: **${usd(t.total.totalUsd)}** = hardware ${usd(t.total.hardwareUsd)} + electricity ${usd(t.total.electricityUsd)} + maintenance ${usd(t.total.maintenanceUsd)}. ` +
      `Break-even cloud spend: **${usd(t.breakEvenCloudUsdPerYear)} a year** (${usd(t.breakEvenCloudUsdPerMonth)} a month): spending more than that on the cloud, owning is cheaper over ${s.years} years. ` +
      `At ${usd(t.terms.cloudUsdPerMonth)} a month of cloud spend the box pays back in **${months(t.breakEvenMonth, horizon)}** (running cost ${usd(t.runningUsdPerMonth)} a month).`,
  );
  if (s.electricity && s.electricity.byBand.length > 1) {
    out.push(
      table(
        ['Tariff band', 'Price', 'Energy / month', 'Cost / month'],
        s.electricity.byBand.map((b) => [
          b.band,
          `${usd(b.usdPerKWh)}/kWh`,
          `${int(b.kWhPerMonth)} kWh`,
          usd(b.usdPerMonth),
        ]),
      ),
    );
  }
  out.push('### Sensitivity');
  out.push(renderSensitivity(s.sensitivity, horizon));
  return out;
}

function renderSensitivity(rows: SensitivityRow[], horizon: number): string {
  return table(
    ['What changes', 'Value', 'Electricity / month', 'Cloud / month', 'TCO', 'Savings', 'Pays back'],
    rows.map((r) => {
      const bold = (x: string) => (r.base ? `**${x}**` : x);
      return [
        r.factor,
        bold(r.value),
        usd(r.electricityUsdPerMonth),
        usd(r.cloudUsdPerMonth),
        bold(usd(r.totalUsd)),
        usd(r.savingsUsd),
        months(r.breakEvenMonth, horizon),
      ];
    }),
  );
}

/** Cumulative cost by month, owning against renting, for each option. */
function renderCharts(r: TcoReport): string[] {
  return r.scenarios.map((s) => {
    const n = Math.round(s.years * 12);
    const labels = Array.from({ length: n + 1 }, (_, m) => String(m));
    const local = labels.map((_, m) =>
      m === 0 ? 0 : s.tco.terms.hardwareUsd + m * s.tco.runningUsdPerMonth,
    );
    const cloud = labels.map((_, m) => m * s.tco.terms.cloudUsdPerMonth);
    return renderChart({
      title: `${s.option.name}: cumulative cost by month${s.tco.breakEvenMonth ? ` (pays back in month ${s.tco.breakEvenMonth})` : ''}`,
      labels,
      lines: [
        { name: 'own', values: local, color: '#3182ce' },
        { name: 'cloud', values: cloud, color: '#c53030' },
      ],
      reference: { value: s.tco.total.totalUsd, label: `TCO ${usd(s.tco.total.totalUsd)}` },
      unit: '$',
    });
  });
}

/** `ops tco` as one self-contained HTML page (inline SVG charts, print styles shared with the monthly report). */
export function renderTcoHtml(r: TcoReport): string {
  const body = renderMarkdownTablesAsHtml(renderTcoMarkdown(r)).replaceAll(
    '<strong>default</strong>',
    '<strong class="default">default</strong>',
  );
  const charts = renderCharts(r)
    .map((svg) => `<div class="chart">${svg}</div>`)
    .join('\n');
  const marker = /<h2>/.exec(body);
  const html = marker
    ? `${body.slice(0, marker.index)}<div class="charts">${charts}</div>\n${body.slice(marker.index)}`
    : `${body}${charts}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ops tco</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${REPORT_CSS}
strong.default{color:#c05621}@media print{h2{break-before:auto}}</style></head>
<body>
${html}
</body></html>
`;
}
