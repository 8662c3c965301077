import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateRecord } from './import/record-schemas.js';
import type { Ledger } from './ledger.js';
import type { UsageRow } from './types.js';
import { parseUpgradeRecord } from './upgrade-event-record.js';

/** What one pass over the spool did. */
export interface SpoolIngestSummary {
  /** Spool files read (usage files and the upgrade-events file). */
  files: number;
  /** Usage rows (requests) added. */
  inserted: number;
  /** Complete lines skipped as unreadable, in usage and event files alike. */
  invalid: number;
  /** Upgrade/rollback events added. */
  events: number;
}

const OFFSET_KEY = 'spool-offset:';
/** `<spoolRoot>/events/`: written by `ops upgrade-models` / `ops rollback` (src/upgrade/upgrade-events.ts). */
const EVENTS_DIR = 'events';
const UPGRADE_EVENTS_FILE = 'upgrades.ndjson';

/**
 * Imports the spool into the ledger, from where the last pass stopped: the gateways' usage
 * (`<spoolRoot>/<deployment>/usage-YYYY-MM-DD.ndjson`, one JSON line per request) and the upgrade and rollback
 * events (`<spoolRoot>/events/upgrades.ndjson`). Only complete lines are read (a line being written waits for the
 * next pass). A usage row's dedup key is its file and byte offset and an event's is its attempt, kind and time, so
 * a pass interrupted between the insert and the offset update re-inserts nothing. Called by the agent (the
 * ledger's one writer) every probe cycle, and by `ops report` when no agent runs.
 */
export function ingestUsageSpool(ledger: Ledger, spoolRoot: string): SpoolIngestSummary {
  const summary: SpoolIngestSummary = { files: 0, inserted: 0, invalid: 0, events: 0 };
  if (!existsSync(spoolRoot)) return summary;
  for (const dir of readdirSync(spoolRoot, { withFileTypes: true })) {
    if (!dir.isDirectory() || dir.name === EVENTS_DIR) continue;
    for (const name of readdirSync(join(spoolRoot, dir.name)).sort()) {
      if (!/^usage-\d{4}-\d{2}-\d{2}\.ndjson$/.test(name)) continue;
      const file = join(spoolRoot, dir.name, name);
      const key = offsetKey(spoolRoot, file);
      const { rows, invalid, nextOffset } = readNewLines(file, Number(ledger.getMeta(key) ?? 0), (line, at) =>
        parseUsageLine(line, `${key}@${at}`),
      );
      summary.files++;
      summary.invalid += invalid;
      if (rows.length > 0) summary.inserted += ledger.insertUsage(rows).inserted;
      ledger.setMeta(key, String(nextOffset));
    }
  }
  const eventsFile = join(spoolRoot, EVENTS_DIR, UPGRADE_EVENTS_FILE);
  if (existsSync(eventsFile)) {
    const key = offsetKey(spoolRoot, eventsFile);
    const { rows, invalid, nextOffset } = readNewLines(eventsFile, Number(ledger.getMeta(key) ?? 0), (line) =>
      parseUpgradeRecord(JSON.parse(line)),
    );
    summary.files++;
    summary.invalid += invalid;
    if (rows.length > 0) summary.events += ledger.insertEvents(rows).inserted;
    ledger.setMeta(key, String(nextOffset));
  }
  return summary;
}

const offsetKey = (spoolRoot: string, file: string): string => `${OFFSET_KEY}${relative(spoolRoot, file)}`;

function parseUsageLine(line: string, dedupKey: string): UsageRow | null {
  const result = validateRecord('usage', JSON.parse(line) as Record<string, unknown>);
  return result.ok && result.record.kind === 'usage' ? { ...result.record.row, dedupKey } : null;
}

/**
 * Parses the complete lines of `file` after `fromOffset`; `parse` gets each line and its byte offset and returns
 * null (or throws) for a line it cannot read, which is counted as invalid and skipped.
 */
function readNewLines<T>(
  file: string,
  fromOffset: number,
  parse: (line: string, offset: number) => T | null,
): { rows: T[]; invalid: number; nextOffset: number } {
  const size = statSync(file).size;
  // A file shorter than what was read before was replaced: start it over (dedup keys keep rows unique).
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
  const rows: T[] = [];
  let invalid = 0;
  let lineStart = 0;
  while (lineStart <= end) {
    const lineEnd = buffer.indexOf(0x0a, lineStart);
    const line = buffer.subarray(lineStart, lineEnd).toString('utf8').trim();
    if (line) {
      let row: T | null = null;
      try {
        row = parse(line, start + lineStart);
      } catch {
        // Not JSON: counted below like any unreadable line.
      }
      if (row) rows.push(row);
      else invalid++;
    }
    lineStart = lineEnd + 1;
  }
  return { rows, invalid, nextOffset: start + end + 1 };
}
