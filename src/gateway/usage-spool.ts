import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { UsageRecord, UsageSink } from './types.js';

/**
 * A usage sink that appends one JSON line per request to `<dir>/usage-YYYY-MM-DD.ndjson` (UTC day). The gateway
 * never opens the ledger itself: the ledger has one writer, which imports these files (de-duplicating), so a
 * gateway in a container needs no SQLite and a crash loses at most the lines not yet flushed.
 */
export function createUsageSpool(dir: string): UsageSink & { close(): Promise<void> } {
  mkdirSync(dir, { recursive: true });
  let day = '';
  let stream: WriteStream | undefined;
  const sink = (record: UsageRecord) => {
    const today = record.at.slice(0, 10);
    if (today !== day || !stream) {
      stream?.end();
      day = today;
      stream = createWriteStream(join(dir, `usage-${day}.ndjson`), { flags: 'a' });
      // A full disk must not take the gateway down; requests keep being served.
      stream.on('error', () => undefined);
    }
    stream.write(`${JSON.stringify(record)}\n`);
  };
  return Object.assign(sink, {
    close: () => new Promise<void>((resolve) => (stream ? stream.end(resolve) : resolve())),
  });
}
