import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventBus } from '../core/events.js';
import type { StateDir } from '../core/state-dir.js';
import type { UpgradeRecord, UpgradeStrategy } from './types.js';

/** Where upgrade events are spooled for the ledger's importer: one JSON object per line. */
export function upgradeSpoolFile(state: Pick<StateDir, 'root'>): string {
  return join(state.root, 'spool', 'events', 'upgrades.ndjson');
}

/**
 * The events of one upgrade or rollback attempt: each goes on the bus (console, JSON log) and, as an
 * `UpgradeRecord`, into the spool file the ledger imports, so the monthly report lists every attempt.
 */
export class UpgradeLog {
  private readonly file: string;
  private readonly started = performance.now();

  constructor(
    state: Pick<StateDir, 'root'>,
    private readonly bus: EventBus,
    readonly base: {
      id: string;
      deployment: string;
      action: 'upgrade' | 'rollback';
      strategy: UpgradeStrategy;
    },
  ) {
    this.file = upgradeSpoolFile(state);
  }

  get elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }

  start(changes: string[]): void {
    this.bus.emit({ kind: 'upgrade:start', ...this.base, changes });
    this.append({ kind: 'upgrade:start', changes });
  }

  switched(from: string[], to: string[]): void {
    const durationMs = this.elapsedMs;
    this.bus.emit({ kind: 'upgrade:switched', ...this.base, from, to, durationMs });
    this.append({ kind: 'upgrade:switched', from, to, durationMs });
  }

  rolledBack(reason: string): void {
    const durationMs = this.elapsedMs;
    this.bus.emit({ kind: 'upgrade:rolled-back', ...this.base, reason, durationMs });
    this.append({ kind: 'upgrade:rolled-back', reason, durationMs });
  }

  failed(reason: string): void {
    const durationMs = this.elapsedMs;
    this.bus.emit({ kind: 'upgrade:failed', ...this.base, reason, durationMs });
    this.append({ kind: 'upgrade:failed', reason, durationMs });
  }

  private append(fields: Omit<UpgradeRecord, 'ts' | 'id' | 'deployment' | 'action' | 'strategy'>): void {
    const record: UpgradeRecord = { ts: new Date().toISOString(), ...this.base, ...fields };
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${JSON.stringify(record)}\n`);
    } catch (error) {
      // The switch itself must not fail for want of a log line; say so on the bus instead.
      this.bus.emit({
        kind: 'log',
        level: 'warn',
        message: `could not spool ${record.kind}: ${String(error)}`,
      });
    }
  }
}
