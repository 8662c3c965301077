import type { ValidationProblem } from '../../core/errors.js';

/** One record read from a file, with the line it came from (1-based) for problem messages. */
export interface RawRecord {
  line: number;
  fields: Record<string, unknown>;
}

/**
 * Reads NDJSON (one JSON object per line) or CSV (a header line, then rows; RFC 4180 quoting). The format is
 * chosen by the file name (`.csv`, `.ndjson`/`.jsonl`/`.json`) or, failing that, by whether the first non-blank
 * character is `{`. CSV cells that are empty become absent fields.
 */
export function parseRecords(
  text: string,
  fileName: string,
): { format: 'ndjson' | 'csv'; records: RawRecord[]; problems: ValidationProblem[] } {
  const format = /\.csv$/i.test(fileName)
    ? 'csv'
    : /\.(nd)?jsonl?$/i.test(fileName) || text.trimStart().startsWith('{')
      ? 'ndjson'
      : 'csv';
  return format === 'csv' ? { format, ...parseCsv(text) } : { format, ...parseNdjson(text) };
}

function parseNdjson(text: string): { records: RawRecord[]; problems: ValidationProblem[] } {
  const records: RawRecord[] = [];
  const problems: ValidationProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push({ path: `line ${i + 1}`, message: 'expected a JSON object' });
      } else records.push({ line: i + 1, fields: value as Record<string, unknown> });
    } catch (error) {
      problems.push({ path: `line ${i + 1}`, message: `not JSON: ${(error as Error).message}` });
    }
  });
  return { records, problems };
}

function parseCsv(text: string): { records: RawRecord[]; problems: ValidationProblem[] } {
  const rows = splitCsv(text);
  const problems: ValidationProblem[] = [];
  const header = rows.shift();
  if (!header)
    return { records: [], problems: [{ path: 'line 1', message: 'empty file: expected a CSV header' }] };
  const names = header.cells.map((h) => h.trim());
  const records: RawRecord[] = [];
  for (const row of rows) {
    if (row.cells.length === 1 && row.cells[0]!.trim() === '') continue;
    if (row.cells.length !== names.length) {
      problems.push({
        path: `line ${row.line}`,
        message: `expected ${names.length} cells (${names.join(',')}), found ${row.cells.length}`,
      });
      continue;
    }
    const fields: Record<string, unknown> = {};
    names.forEach((name, j) => {
      const cell = row.cells[j]!;
      if (cell !== '') fields[name] = cell;
    });
    records.push({ line: row.line, fields });
  }
  return { records, problems };
}

/** Splits CSV text into rows of cells, honouring quotes (a quoted cell may hold commas, quotes and newlines). */
function splitCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
  }
  return rows;
}
