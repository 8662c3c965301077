import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateRecord } from './import/record-schemas.js';
import type { Ledger } from './ledger.js';
import type { UsageRow } from './types.js';

/** What one pass over the spool did. */
export interface SpoolIngestSummary {
  files: number;
  inserted: number;
  invalid: number;
}

const OFFSET_KEY = 'spool-offset:';

/**
 * Imports the gateways' usage spool (`<spoolRoot>/<deployment>/usage-YYYY-MM-DD.ndjson`, one JSON line per
 * request) into the ledger, from where the last pass stopped. Only complete lines are read (a line being written
 * waits for the next pass), and each row's dedup key is its file and byte offset, so a pass interrupted between
 * the insert and the offset update re-inserts nothing. Called by the agent (the ledger's one writer) every probe
 * cycle, and by `ops report` when no agent runs.
 */
export function ingestUsageSpool(ledger: Ledger, spoolRoot: string): SpoolIngestSummary {
  const summary: SpoolIngestSummary = { files: 0, inserted: 0, invalid: 0 };
  if (!existsSync(spoolRoot)) return summary;
  for (const dir of readdirSync(spoolRoot, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const name of readdirSync(join(spoolRoot, dir.name)).sort()) {
      if (!/^usage-\d{4}-\d{2}-\d{2}\.ndjson$/.test(name)) continue;
      const file = join(spoolRoot, dir.name, name);
      const key = `${OFFSET_KEY}${relative(spoolRoot, file)}`;
      const { rows, invalid, nextOffset } = readNewLines(file, Number(ledger.getMeta(key) ?? 0), key);
      summary.files++;
      summary.invalid += invalid;
      if (rows.length > 0) summary.inserted += ledger.insertUsage(rows).inserted;
      ledger.setMeta(key, String(nextOffset));
    }
  }
  return summary;
}

function readNewLines(
  file: string,
  fromOffset: number,
  key: string,
): { rows: UsageRow[]; invalid: number; nextOffset: number } {
  const size = statSync(file).size;
  // A file shorter than what was read before was replaced: start it over (offset keys keep rows unique).
  const start = size < fromOffset ? 0 : fromOffset;
  if (size === start) return { rows: [], invalid: 0, nextOffset: start };
  const buffer = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  const end = buffer.lastIndexOf(0x0a);
  if (end < 0) return { rows: [], invalid: 0, nextOffset: start };
  const rows: UsageRow[] = [];
  let invalid = 0;
  let lineStart = 0;
  while (lineStart <= end) {
    const lineEnd = buffer.indexOf(0x0a, lineStart);
    const line = buffer.subarray(lineStart, lineEnd).toString('utf8').trim();
    if (line) {
      try {
        const result = validateRecord('usage', JSON.parse(line) as Record<string, unknown>);
        if (result.ok && result.record.kind === 'usage') {
          rows.push({ ...result.record.row, dedupKey: `${key}@${start + lineStart}` });
        } else invalid++;
      } catch {
        invalid++;
      }
    }
    lineStart = lineEnd + 1;
  }
  return { rows, invalid, nextOffset: start + end + 1 };
}
