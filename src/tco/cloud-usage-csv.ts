import type { PriceList } from '../config/ops-config.js';
import { OpsError } from '../core/errors.js';
import { parseRecords } from '../ledger/import/parse-records.js';
import { priceForModel, tokenCost } from '../report/pricing.js';

/** What a cloud usage or cost export says the team spends. */
export interface CloudSpend {
  totalUsd: number;
  /** Days from the first to the last date in the file (inclusive); null when it has no dates. */
  days: number | null;
  fromDay: string | null;
  toDay: string | null;
  /** The spend scaled to an average month (365.25 / 12 days). */
  usdPerMonth: number;
  /** How the dollars were found: the file's own cost column, or its token counts at the price list. */
  basis: 'cost column' | 'tokens at list prices';
  rows: number;
  warnings: string[];
}

const DAYS_PER_MONTH = 365.25 / 12;
const norm = (h: string) =>
  h
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

/**
 * Reads the CSV that Anthropic's console exports from its Usage or Cost page (support.anthropic.com, "Cost and usage
 * reporting in Console"). Its exact columns are not documented and have changed, so columns are found by name: a
 * cost column (`cost`, `amount`, `cost_usd`, …; `cents` in the name divides by 100) is summed as billed; without one,
 * the token columns (`input_tokens`/`uncached_input_tokens`, `cache_read_input_tokens`, `cache_creation_input_tokens`,
 * `output_tokens`, and `model`) are priced at the price list, cache-aware. Dates (`date`, `day`, `starting_at`, …)
 * give the span, which scales the total to a month.
 */
export function parseCloudUsageCsv(text: string, prices: PriceList, file = 'cloud usage CSV'): CloudSpend {
  const { records, problems } = parseRecords(text, `${file}.csv`);
  if (records.length === 0) {
    throw new OpsError(
      `${file}: no rows${problems[0] ? ` (${problems[0].path}: ${problems[0].message})` : ''}`,
      {
        exitCode: 2,
        hint: 'export the CSV from the Usage or Cost page of Anthropic’s console, or pass --cloud-usd-per-month',
      },
    );
  }
  const headers = Object.keys(Object.assign({}, ...records.map((r) => r.fields)));
  const find = (test: (h: string) => boolean) => headers.find((h) => test(norm(h)));
  const dateCol =
    find((h) =>
      /^(date|day|usage_date|starting_at|start|start_time|time|timestamp|period|date_utc)$/.test(h),
    ) ?? find((h) => h.includes('date'));
  const costCol = find((h) => /(^|_)(cost|amount|usd|spend|total_cost)(_|$)/.test(h) && !h.includes('token'));
  const col = (...names: string[]) => find((h) => names.includes(h));
  const tokenCols = {
    input: col('input_tokens', 'uncached_input_tokens', 'input', 'uncached_input'),
    cacheRead: col('cache_read_input_tokens', 'cache_read_tokens', 'cache_read', 'cache_reads'),
    cacheWrite: col(
      'cache_creation_input_tokens',
      'cache_write_tokens',
      'cache_creation',
      'cache_write',
      'cache_writes',
    ),
    output: col('output_tokens', 'output'),
  };
  const modelCol = col('model', 'model_name', 'model_id');
  if (!costCol && !tokenCols.input && !tokenCols.output) {
    throw new OpsError(`${file}: found no cost column and no token columns among: ${headers.join(', ')}`, {
      exitCode: 2,
      hint: 'the CSV needs a cost/amount column, or input_tokens and output_tokens (with model); or pass --cloud-usd-per-month',
    });
  }
  const warnings: string[] = problems.map((p) => `${file} ${p.path}: ${p.message}`);
  const num = (v: unknown) => {
    const n = Number(String(v ?? '0').replace(/[$,\s]/g, ''));
    return Number.isFinite(n) ? n : 0;
  };
  const centsScale = costCol && /cent/i.test(costCol) ? 0.01 : 1;
  let totalUsd = 0;
  const days: number[] = [];
  for (const r of records) {
    if (dateCol) {
      const ms = Date.parse(String(r.fields[dateCol] ?? ''));
      if (Number.isFinite(ms)) days.push(Math.floor(ms / 86_400_000));
    }
    if (costCol) {
      totalUsd += num(r.fields[costCol]) * centsScale;
      continue;
    }
    const plain = num(tokenCols.input && r.fields[tokenCols.input]);
    const cacheReadTokens = num(tokenCols.cacheRead && r.fields[tokenCols.cacheRead]);
    const cacheWriteTokens = num(tokenCols.cacheWrite && r.fields[tokenCols.cacheWrite]);
    const model = String((modelCol && r.fields[modelCol]) || prices.localEquivalent);
    // Anthropic's `input_tokens` excludes the cache reads and writes; the price function takes the whole prompt.
    totalUsd += tokenCost(priceForModel(model, prices), {
      inputTokens: plain + cacheReadTokens + cacheWriteTokens,
      cacheReadTokens,
      cacheWriteTokens,
      outputTokens: num(tokenCols.output && r.fields[tokenCols.output]),
    }).totalUsd;
  }
  const first = days.length ? Math.min(...days) : null;
  const last = days.length ? Math.max(...days) : null;
  const span = first === null || last === null ? null : last - first + 1;
  if (span === null) warnings.push(`${file} has no dates: its total is taken as one month`);
  else if (span < 28) warnings.push(`${file} covers ${span} days: the monthly figure is scaled from them`);
  const dayText = (d: number | null) =>
    d === null ? null : new Date(d * 86_400_000).toISOString().slice(0, 10);
  return {
    totalUsd,
    days: span,
    fromDay: dayText(first),
    toDay: dayText(last),
    usdPerMonth: span === null ? totalUsd : (totalUsd * DAYS_PER_MONTH) / span,
    basis: costCol ? 'cost column' : 'tokens at list prices',
    rows: records.length,
    warnings,
  };
}
