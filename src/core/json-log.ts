import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventBus } from './events.js';

/** Appends every event as one JSON line to `file` (the state dir's event log). */
export function attachJsonLog(bus: EventBus, file: string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  return bus.on((event) => {
    try {
      appendFileSync(file, `${JSON.stringify(event)}\n`);
    } catch {
      // A full or read-only disk must not turn a working command into a failing one; the console still shows it.
    }
  });
}

/** Writes every event as one JSON line to a stream (`--json` event output for automation). */
export function attachJsonStream(bus: EventBus, stream: NodeJS.WritableStream = process.stderr): () => void {
  return bus.on((event) => stream.write(`${JSON.stringify(event)}\n`));
}
