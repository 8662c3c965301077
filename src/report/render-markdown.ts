import { duration, elapsed, int, kwh, mark, pct, seconds, usd, when } from './format.js';
import { renderQualityMarkdown } from './quality.js';
import type { ModelChangeAttempt, ModelChangesSection, MonthlyReport } from './types.js';

const table = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

/** A table cell: one line, pipes escaped. */
const cell = (text: string): string => (text.split('\n')[0] ?? '').replaceAll('|', '\\|');

/** The report as Markdown (GitHub-flavoured tables). */
export function renderMarkdown(r: MonthlyReport): string {
  const out: string[] = [];
  out.push(`# ops report — ${r.month}`);
  out.push(
    `Profile **${r.profile.title}** (${r.profile.id}) · period ${r.period.from} – ${r.period.to} (UTC)${r.period.partial ? ' · **month not over**' : ''} · generated ${when(r.generatedAt)}`,
  );
  out.push('## Success metrics');
  out.push(
    table(
      ['Metric', 'Target', 'This month', 'Status'],
      r.metrics.map((m) => [m.name, m.target, m.value, mark(m.met)]),
    ),
  );
  const changes = summariseModelChanges(r.modelChanges);
  if (changes) out.push(changes);
  out.push(...renderQualityMarkdown(r.quality));

  const u = r.uptime;
  out.push('## Uptime');
  out.push(
    `Uptime of **${u.primaryTarget ?? '–'}**: **${pct(u.percent, 3)}** against a target of ${u.targetPercent}% (down ${duration(u.downMinutes)}). Measured against the probes that should exist: a slot with no probe (box or agent off) counts as down.`,
  );
  if (u.targets.length > 0) {
    out.push(
      table(
        ['Target', 'Slots expected', 'Slots up', 'Uptime'],
        u.targets.map((t) => [t.target, int(t.expectedSlots), int(t.upSlots), pct(t.percent, 3)]),
      ),
    );
  }
  out.push(`### Incidents (${u.incidents.length})`);
  out.push(
    u.incidents.length === 0
      ? 'None.'
      : table(
          ['Target', 'Start', 'End', 'Duration', 'Cause'],
          u.incidents.map((i) => [
            i.target,
            `${when(i.start)}${i.continuedFromPreviousMonth ? ' (from previous month)' : ''}`,
            `${when(i.end)}${i.continuesNextMonth ? ' (continues)' : ''}`,
            duration(i.durationMinutes),
            i.causes.join('; ').replaceAll('|', '\\|'),
          ]),
        ),
  );

  const e = r.energy;
  out.push('## Energy');
  out.push(
    `Tariff: ${e.tariff}${e.tariff === 'time-of-use' ? ` (bands in ${e.timezone})` : ''}. Measured ${e.measuredHours.toFixed(1)} h of ${e.expectedHours.toFixed(1)} h expected.`,
  );
  out.push(
    table(
      ['Part', 'Energy', 'Cost'],
      [
        ['GPU', kwh(e.gpu.kWh), usd(e.gpu.costUsd)],
        ['CPU', kwh(e.cpu.kWh), usd(e.cpu.costUsd)],
        ['Rest of system', kwh(e.rest.kWh), usd(e.rest.costUsd)],
        ['**Total**', `**${kwh(e.total.kWh)}**`, `**${usd(e.total.costUsd)}**`],
      ],
    ),
  );
  if (e.byBand.length > 0) {
    out.push(
      table(
        ['Band', 'Price', 'Energy', 'Cost'],
        e.byBand.map((b) => [b.band, `${usd(b.usdPerKWh)}/kWh`, kwh(b.kWh), usd(b.costUsd)]),
      ),
    );
  }
  const gpus = e.byDevice.filter((d) => d.source === 'gpu');
  if (gpus.length > 1)
    out.push(
      table(
        ['GPU', 'Energy', 'Cost'],
        gpus.map((d) => [d.device, kwh(d.kWh), usd(d.costUsd)]),
      ),
    );

  const t = r.tokens;
  out.push('## Tokens');
  out.push(
    t.byModel.length === 0
      ? 'No requests this month.'
      : table(
          [
            'Model',
            'Route',
            'Requests',
            'Prompt tokens',
            'of which cache reads',
            'cache writes',
            'Output tokens',
            'Priced as',
            'Cost / cloud equivalent',
          ],
          t.byModel.map((l) => [
            l.model,
            l.route,
            int(l.requests),
            int(l.inputTokens),
            int(l.cacheReadTokens),
            int(l.cacheWriteTokens),
            int(l.outputTokens),
            l.pricedAs,
            usd(l.costUsd),
          ]),
        ),
  );
  const local = t.byModel.filter((x) => x.route === 'local');
  const part = (f: (x: (typeof local)[number]) => number) => usd(local.reduce((s, x) => s + f(x), 0));
  out.push(
    `Local tokens would have cost **${usd(t.cloudEquivalentUsd)}** in the cloud, each kind at its rate: plain input ${part((x) => x.cost.inputUsd)}, cache reads ${part((x) => x.cost.cacheReadUsd)}, cache writes ${part((x) => x.cost.cacheWriteUsd)}, output ${part((x) => x.cost.outputUsd)}. ` +
      `Priced with every prompt token at the full input rate they would come to ${usd(t.cloudEquivalentUncachedUsd)}. ` +
      `Fallback traffic cost **${usd(t.cloudSpendUsd)}**. Served locally: ${pct(t.localSharePercent, 1)} of requests. ` +
      `Prices as of ${t.pricesAsOf ?? 'unknown'}${t.pricesSource ? ` from ${t.pricesSource}` : ''} (verify; override under \`prices:\` in config.yaml). ` +
      'Local engines report cache reads, not writes: prompt tokens they computed afresh are priced as plain input, slightly below what the cloud charges to write them to its cache.',
  );
  const routing = t.byRouting ?? [];
  if (routing.some((x) => x.reason !== 'unrecorded')) {
    out.push('### Tokens by routing decision');
    out.push(
      table(
        [
          'Route',
          'Reason',
          'Rule',
          'Requests',
          'Prompt tokens',
          'Output tokens',
          'Saved (cloud price)',
          'Cloud spend',
        ],
        routing.map((x) => [
          x.route,
          x.reason,
          x.rule ?? '—',
          int(x.requests),
          int(x.inputTokens),
          int(x.outputTokens),
          x.route === 'local' ? usd(x.savedUsd) : '—',
          x.route === 'cloud' ? usd(x.spentUsd) : '—',
        ]),
      ),
    );
    out.push(
      'Why the gateway sent each request where it went: `task-rule` is a rule of the Plan (`gateway.cloud.rules`), named in the Rule column; the others are its fallbacks (local down or full, a prompt no local context holds, cloud down or its weekly cap spent) and its mode. A rule named beside another reason was overridden because its side could not take the request. Saved is what the local tokens would have cost in the cloud, before the box’s own electricity and hardware.',
    );
  }

  const l = r.latency;
  out.push('## Latency');
  out.push(
    table(
      ['', 'p50', 'p95', 'Average'],
      [
        ['Whole request', seconds(l.p50Ms), seconds(l.p95Ms), seconds(l.averageMs)],
        ['Time to first token', seconds(l.ttftP50Ms), seconds(l.ttftP95Ms), '–'],
        ...l.byRoute.map((x) => [`${x.route} (${int(x.requests)})`, seconds(x.p50Ms), seconds(x.p95Ms), '–']),
      ],
    ),
  );
  out.push(
    `${int(l.requests)} successful requests, ${int(l.failedRequests)} failed; ${int(l.overTarget)} took longer than the ${l.targetS} s target.`,
  );

  const mc = r.modelChanges;
  out.push('## Model changes');
  out.push(
    mc.attempts.length === 0
      ? 'No upgrades or rollbacks this month.'
      : table(
          ['Time', 'Deployment', 'Action', 'Strategy', 'Outcome', 'From → to', 'Duration'],
          mc.attempts.map((a) => [
            `${when(a.start)}${a.startedBeforeMonth ? ' (from previous month)' : ''}`,
            cell(a.deployment),
            a.action,
            a.strategy,
            outcomeText(a),
            changeText(a),
            elapsed(a.durationMs),
          ]),
        ),
  );

  const c = r.tco;
  out.push('## Total cost of ownership');
  out.push(
    table(
      ['', 'To date', `Over ${c.horizonMonths} months`],
      [
        [
          `Hardware (${usd(c.hardwareUsd)} over ${c.lifetimeYears} y)`,
          usd(c.toDate.hardwareAmortisedUsd),
          usd(c.hardwareUsd),
        ],
        ['Electricity', usd(c.toDate.electricityUsd), '–'],
        [`Maintenance (${usd(c.maintenanceUsdPerMonth)}/month)`, usd(c.toDate.maintenanceUsd), '–'],
        ['Cloud fallback spend', usd(c.toDate.cloudSpendUsd), '–'],
        ['**Local total**', `**${usd(c.toDate.totalUsd)}**`, `**${usd(c.overHorizon.totalUsd)}**`],
        ['**Same work in the cloud**', `**${usd(c.toDate.cloudUsd)}**`, `**${usd(c.overHorizon.cloudUsd)}**`],
        ['Savings', usd(c.toDate.savingsUsd), usd(c.overHorizon.savingsUsd)],
      ],
    ),
  );
  out.push(
    `In service since ${c.startMonth} (${c.monthsInService} month${c.monthsInService === 1 ? '' : 's'}). Break-even: ${
      c.breakEvenMonth
        ? `**${c.breakEvenMonth}**${c.breakEvenProjected ? ' (projected)' : ''}`
        : `not within ${c.horizonMonths} months at the current rate`
    }. Projection per month: electricity ${usd(c.projectionPerMonth.electricityUsd)}, cloud equivalent ${usd(c.projectionPerMonth.cloudEquivalentUsd)}, cloud spend ${usd(c.projectionPerMonth.cloudSpendUsd)}.`,
  );
  const lt = c.lifetime;
  out.push(`### Over ${c.lifetimeYears} years at this rate`);
  out.push(
    table(
      ['Year', 'Hardware', 'Electricity', 'Maintenance', 'Total', 'Cloud (same work)', 'Cumulative savings'],
      [
        ...lt.byYear.map((y) => [
          String(y.year),
          usd(y.hardwareUsd),
          usd(y.electricityUsd),
          usd(y.maintenanceUsd),
          usd(y.totalUsd),
          usd(y.cloudUsd),
          usd(y.cumulativeSavingsUsd),
        ]),
        [
          '**Total**',
          usd(lt.total.hardwareUsd),
          usd(lt.total.electricityUsd),
          usd(lt.total.maintenanceUsd),
          `**${usd(lt.total.totalUsd)}**`,
          `**${usd(lt.total.cloudUsd)}**`,
          `**${usd(lt.total.savingsUsd)}**`,
        ],
      ],
    ),
  );
  out.push(
    `TCO over ${c.lifetimeYears} years: **${usd(lt.total.totalUsd)}** = hardware ${usd(lt.total.hardwareUsd)} + electricity ${usd(lt.total.electricityUsd)} + maintenance ${usd(lt.total.maintenanceUsd)}. ` +
      `Owning breaks even against a cloud spend of **${usd(lt.breakEvenCloudUsdPerYear)} a year**; at the measured rate of use (${usd(lt.terms.cloudUsdPerMonth)} of cloud-equivalent work a month) the hardware pays back ${
        lt.breakEvenMonth === null ? '**never**' : `in **month ${lt.breakEvenMonth}** of service`
      }. Same arithmetic as \`ops tco\`.`,
  );
  if (r.warnings.length > 0) {
    out.push('## Notes');
    out.push(r.warnings.map((w) => `- ${w}`).join('\n'));
  }
  return `${out.join('\n\n')}\n`;
}

/** One sentence under the success metrics when models changed this month (null when none did). */
function summariseModelChanges(mc: ModelChangesSection): string | null {
  if (mc.attempts.length === 0) return null;
  const parts = [
    mc.switched ? `${mc.switched} switched` : '',
    mc.rolledBack ? `**${mc.rolledBack} rolled back**` : '',
    mc.failed ? `**${mc.failed} failed**` : '',
    mc.unfinished ? `${mc.unfinished} not finished` : '',
  ].filter(Boolean);
  const n = mc.attempts.length;
  return `Model changes: ${n} upgrade/rollback attempt${n === 1 ? '' : 's'} this month, ${parts.join(', ')} (see Model changes).`;
}

function outcomeText(a: ModelChangeAttempt): string {
  const after = a.endedAfterMonth && a.end ? ` (${when(a.end)})` : '';
  if (a.outcome === 'switched') return `switched${after}`;
  if (a.outcome === 'unfinished') return 'started, not finished';
  const label = a.outcome === 'rolled-back' ? 'rolled back' : 'failed';
  return `**${label}**${after}${a.reason ? `: ${cell(a.reason)}` : ''}`;
}

function changeText(a: ModelChangeAttempt): string {
  if (a.outcome === 'switched' && a.to.length > 0)
    return cell(`${a.from.join(', ') || 'nothing'} → ${a.to.join(', ')}`);
  return a.changes.length > 0 ? a.changes.map(cell).join('; ') : '–';
}
