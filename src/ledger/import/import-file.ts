import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { OpsError, ValidationError, type ValidationProblem } from '../../core/errors.js';
import { formatPath } from '../../core/validation.js';
import type { Ledger } from '../ledger.js';
import type { PowerSample, ProbeResult, UsageRow } from '../types.js';
import { parseRecords } from './parse-records.js';
import { type ImportKind, validateRecord } from './record-schemas.js';

/** What an import did. */
export interface ImportSummary {
  kind: ImportKind;
  format: 'ndjson' | 'csv';
  records: number;
  inserted: number;
  /** Records already in the ledger (same device and time, same probe target and time, same usage id/content). */
  duplicates: number;
  /** Invalid records skipped (only with `skipInvalid`; otherwise any invalid record refuses the whole file). */
  skipped: number;
  /** Time span of the imported records, for recomputing rollups; null when nothing was read. */
  fromMs: number | null;
  toMs: number | null;
}

const MAX_LISTED = 50;

/**
 * Loads a file of power readings, probes or usage records into the ledger. Every record is validated first and all
 * problems are reported at once with their line and field; the file is then written in one transaction, where the
 * ledger's keys drop duplicates (re-importing a file adds nothing).
 */
export function importFile(
  ledger: Ledger,
  kind: ImportKind,
  file: string,
  options: { skipInvalid?: boolean } = {},
): ImportSummary {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OpsError(`cannot read ${file}`, { cause, hint: 'check the path' });
  }
  const { format, records, problems } = parseRecords(text, basename(file));
  const unreadable = problems.length;
  const power: PowerSample[] = [];
  const probes: ProbeResult[] = [];
  const usage: UsageRow[] = [];
  let fromMs = Number.POSITIVE_INFINITY;
  let toMs = Number.NEGATIVE_INFINITY;
  for (const { line, fields } of records) {
    const result = validateRecord(kind, fields);
    if (!result.ok) {
      for (const issue of result.error.issues) {
        const field = formatPath(issue.path);
        problems.push({ path: `line ${line}${field ? ` › ${field}` : ''}`, message: issue.message });
      }
      continue;
    }
    const { record } = result;
    fromMs = Math.min(fromMs, record.row.tsMs);
    toMs = Math.max(toMs, record.row.tsMs + 1);
    if (record.kind === 'power') power.push(record.row);
    else if (record.kind === 'probe') probes.push(record.row);
    else usage.push(record.row);
  }
  const invalidLines = new Set(problems.map((p) => p.path.split(' › ')[0]));
  if (problems.length > 0 && !options.skipInvalid) {
    const listed: ValidationProblem[] = problems.slice(0, MAX_LISTED);
    if (problems.length > MAX_LISTED)
      listed.push({ path: '', message: `… and ${problems.length - MAX_LISTED} more` });
    throw new ValidationError(file, listed, {
      hint: `fix the ${invalidLines.size} invalid record(s), or pass --skip-invalid to import the valid ones only`,
    });
  }
  const count =
    kind === 'power'
      ? ledger.insertPowerSamples(power)
      : kind === 'probe'
        ? ledger.insertProbes(probes)
        : ledger.insertUsage(usage);
  return {
    kind,
    format,
    records: records.length + unreadable,
    inserted: count.inserted,
    duplicates: count.duplicates,
    skipped: invalidLines.size,
    fromMs: Number.isFinite(fromMs) ? fromMs : null,
    toMs: Number.isFinite(toMs) ? toMs : null,
  };
}
