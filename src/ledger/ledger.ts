import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { OpsError } from '../core/errors.js';
import type { StateDir } from '../core/state-dir.js';
import { MIGRATIONS } from './schema.js';
import {
  POWER_SOURCES,
  type PowerSample,
  type PowerSource,
  type ProbeResult,
  type UpgradeEventKind,
  type UpgradeEventRow,
  type UsageRow,
} from './types.js';

/** `$OPS_HOME/ledger.sqlite`. */
export const ledgerPath = (state: Pick<StateDir, 'root'>): string => join(state.root, 'ledger.sqlite');

/** What an insert did: rows added, and rows skipped because an identical key was already there. */
export interface InsertCount {
  inserted: number;
  duplicates: number;
}

/**
 * The ledger: an embedded SQLite file holding raw readings (power, probes), usage, and their rollups.
 * Crash safety comes from SQLite's write-ahead log: every batch is one transaction, so a crash loses at most the
 * batch being written and never leaves a half-written one (https://www.sqlite.org/wal.html). Writers are
 * serialised by SQLite's lock; `busy_timeout` makes a second process wait instead of failing.
 */
export class Ledger {
  readonly file: string;
  readonly db: Database.Database;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  /** Opens (creating and migrating when needed) the ledger at `file`; `readonly` opens an existing one as is. */
  static open(file: string, options: { readonly?: boolean } = {}): Ledger {
    let db: Database.Database;
    try {
      if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
      db = new Database(file, {
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
    } catch (cause) {
      throw new OpsError(`cannot open the ledger ${file}`, {
        cause,
        hint: options.readonly
          ? 'run `ops agent` (or `ops ledger import`) first: it creates the ledger'
          : 'check that the state directory (OPS_HOME) is writable',
      });
    }
    db.pragma('busy_timeout = 10000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a power cut may lose the last transactions but never corrupts the file.
      db.pragma('synchronous = NORMAL');
      migrate(db, file);
    } else if (Number(db.pragma('user_version', { simple: true })) > MIGRATIONS.length) {
      throw tooNew(file);
    }
    return new Ledger(file, db);
  }

  close(): void {
    this.db.close();
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** Sets a meta value only when it is not set yet (e.g. when monitoring started). */
  setMetaOnce(key: string, value: string): void {
    this.db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  insertPowerSamples(samples: readonly PowerSample[]): InsertCount {
    const stmt = this.db.prepare(
      'INSERT OR IGNORE INTO power_samples (source, device, ts_ms, power_w, energy_j) VALUES (?, ?, ?, ?, ?)',
    );
    return this.insertMany(samples, (s) => stmt.run(s.source, s.device, s.tsMs, s.powerW, s.energyJ).changes);
  }

  insertProbes(probes: readonly ProbeResult[]): InsertCount {
    const stmt = this.db.prepare(
      'INSERT OR IGNORE INTO probes (target, ts_ms, ok, latency_ms, error) VALUES (?, ?, ?, ?, ?)',
    );
    return this.insertMany(
      probes,
      (p) => stmt.run(p.target, p.tsMs, p.ok ? 1 : 0, p.latencyMs, p.error).changes,
    );
  }

  insertUsage(rows: readonly UsageRow[]): InsertCount {
    const stmt = this.db.prepare(
      `INSERT OR IGNORE INTO usage (ts_ms, api, model, upstream, route, input_tokens, cache_read_tokens,
        cache_write_tokens, output_tokens, latency_ms, ttft_ms, status, dedup_key, route_reason, route_rule)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.insertMany(
      rows,
      (u) =>
        stmt.run(
          u.tsMs,
          u.api,
          u.model,
          u.upstream,
          u.route,
          u.inputTokens,
          u.cacheReadTokens,
          u.cacheWriteTokens,
          u.outputTokens,
          u.latencyMs,
          u.ttftMs,
          u.status,
          u.dedupKey,
          u.routeReason ?? null,
          u.routeRule ?? null,
        ).changes,
    );
  }

  /** Adds upgrade/rollback events; an event already there (same attempt, kind and time) is skipped. */
  insertEvents(rows: readonly UpgradeEventRow[]): InsertCount {
    const stmt = this.db.prepare(
      `INSERT OR IGNORE INTO events (ts_ms, kind, attempt_id, deployment, action, strategy, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.insertMany(
      rows,
      (e) =>
        stmt.run(e.tsMs, e.kind, e.attemptId, e.deployment, e.action, e.strategy, JSON.stringify(e.detail))
          .changes,
    );
  }

  /** Upgrade/rollback events in [fromMs, toMs), oldest first. */
  events(fromMs: number, toMs: number): UpgradeEventRow[] {
    return this.readEvents('WHERE ts_ms >= ? AND ts_ms < ?', fromMs, toMs);
  }

  /**
   * Every event of each attempt that has an event in [fromMs, toMs), oldest first: an attempt that crosses the
   * range's edge comes whole, so its outcome is known even when it finished after `toMs`.
   */
  eventsOfAttempts(fromMs: number, toMs: number): UpgradeEventRow[] {
    return this.readEvents(
      'WHERE attempt_id IN (SELECT attempt_id FROM events WHERE ts_ms >= ? AND ts_ms < ?)',
      fromMs,
      toMs,
    );
  }

  private readEvents(where: string, fromMs: number, toMs: number): UpgradeEventRow[] {
    // A ledger opened read-only while an older agent still holds it may predate the events table.
    if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get())
      return [];
    const rows = this.db
      .prepare(
        `SELECT ts_ms, kind, attempt_id, deployment, action, strategy, detail FROM events ${where} ORDER BY ts_ms, id`,
      )
      .raw(true)
      .all(fromMs, toMs) as [
      number,
      UpgradeEventKind,
      string,
      string,
      'upgrade' | 'rollback',
      string,
      string,
    ][];
    return rows.map(([tsMs, kind, attemptId, deployment, action, strategy, detail]) => ({
      tsMs,
      kind,
      attemptId,
      deployment,
      action,
      strategy,
      detail: JSON.parse(detail) as UpgradeEventRow['detail'],
    }));
  }

  /** Raw samples of one device in [fromMs, toMs), oldest first, as `[tsMs, powerW, energyJ]` tuples (fast path). */
  iteratePowerSamples(
    source: PowerSource,
    device: string,
    fromMs: number,
    toMs: number,
  ): IterableIterator<[number, number | null, number | null]> {
    return this.db
      .prepare(
        'SELECT ts_ms, power_w, energy_j FROM power_samples WHERE source = ? AND device = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms',
      )
      .raw(true)
      .iterate(source, device, fromMs, toMs) as IterableIterator<[number, number | null, number | null]>;
  }

  /** The distinct (source, device) pairs with raw samples in [fromMs, toMs). */
  powerDevices(fromMs: number, toMs: number): { source: PowerSource; device: string }[] {
    // A skip scan over the primary key: one index seek per device instead of reading every row. (The row-value
    // form `(source, device) > (?, ?)` walks every row of the previous device; an equality on source does not.)
    const next = this.db.prepare(
      'SELECT device FROM power_samples WHERE source = ? AND device > ? ORDER BY device LIMIT 1',
    );
    const has = this.db.prepare(
      'SELECT 1 FROM power_samples WHERE source = ? AND device = ? AND ts_ms >= ? AND ts_ms < ? LIMIT 1',
    );
    const devices: { source: PowerSource; device: string }[] = [];
    for (const source of POWER_SOURCES) {
      let row = next.get(source, '') as { device: string } | undefined;
      while (row) {
        if (has.get(source, row.device, fromMs, toMs) !== undefined)
          devices.push({ source, device: row.device });
        row = next.get(source, row.device) as typeof row | undefined;
      }
    }
    return devices;
  }

  /** Probe rows of one target in [fromMs, toMs), oldest first. */
  probesOf(target: string, fromMs: number, toMs: number): ProbeResult[] {
    const rows = this.db
      .prepare(
        'SELECT ts_ms, ok, latency_ms, error FROM probes WHERE target = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms',
      )
      .raw(true)
      .all(target, fromMs, toMs) as [number, number, number | null, string | null][];
    return rows.map(([tsMs, ok, latencyMs, error]) => ({ tsMs, target, ok: ok === 1, latencyMs, error }));
  }

  /** Every probe target the ledger knows (from raw probes and from rollups, so purged targets still count). */
  probeTargets(): string[] {
    // Skip scans over the primary keys (DISTINCT would read every probe row).
    const targets = new Set<string>();
    for (const table of ['probes', 'probe_days'] as const) {
      const next = this.db.prepare(`SELECT target FROM ${table} WHERE target > ? ORDER BY target LIMIT 1`);
      let row = next.get('') as { target: string } | undefined;
      while (row) {
        targets.add(row.target);
        row = next.get(row.target) as typeof row | undefined;
      }
    }
    return [...targets].sort();
  }

  /** The oldest raw or rolled-up time in the ledger; a stand-in for "monitoring started" on imported ledgers. */
  earliestRecordMs(): number | null {
    // Per device and per target, MIN(ts_ms) is one index seek; over the whole table it would be a full scan.
    const candidates: number[] = [];
    const minPower = this.db.prepare(
      'SELECT MIN(ts_ms) AS t FROM power_samples WHERE source = ? AND device = ?',
    );
    for (const { source, device } of this.powerDevices(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
      candidates.push((minPower.get(source, device) as { t: number }).t);
    }
    const minProbe = this.db.prepare('SELECT MIN(ts_ms) AS t FROM probes WHERE target = ?');
    for (const target of this.probeTargets()) {
      const t = (minProbe.get(target) as { t: number | null }).t;
      if (t !== null) candidates.push(t);
    }
    const rolled = this.db
      .prepare(
        'SELECT MIN(t) AS t FROM (SELECT MIN(day_ms) AS t FROM probe_days UNION ALL SELECT MIN(bucket_ms) FROM energy_buckets)',
      )
      .get() as { t: number | null };
    if (rolled.t !== null) candidates.push(rolled.t);
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /** Usage rows in [fromMs, toMs), oldest first. */
  usage(fromMs: number, toMs: number): UsageRow[] {
    const rows = this.db
      .prepare(
        `SELECT ts_ms, api, model, upstream, route, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,
         latency_ms, ttft_ms, status, dedup_key, route_reason, route_rule
         FROM usage WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms`,
      )
      .raw(true)
      .all(fromMs, toMs) as [
      number,
      string,
      string,
      string,
      'local' | 'cloud',
      number,
      number,
      number,
      number,
      number,
      number | null,
      number,
      string | null,
      string | null,
      string | null,
    ][];
    return rows.map(
      ([
        tsMs,
        api,
        model,
        upstream,
        route,
        inputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        outputTokens,
        latencyMs,
        ttftMs,
        status,
        dedupKey,
        routeReason,
        routeRule,
      ]) => ({
        tsMs,
        api,
        model,
        upstream,
        route,
        inputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        outputTokens,
        latencyMs,
        ttftMs,
        status,
        dedupKey,
        ...(routeReason !== null ? { routeReason } : {}),
        ...(routeRule !== null ? { routeRule } : {}),
      }),
    );
  }

  /** Token sums by model and route in [fromMs, toMs) (for months before the report month, without raw rows). */
  usageTotals(
    fromMs: number,
    toMs: number,
  ): {
    model: string;
    route: 'local' | 'cloud';
    inputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    outputTokens: number;
    requests: number;
  }[] {
    return this.db
      .prepare(
        `SELECT model, route, SUM(input_tokens) AS inputTokens, SUM(cache_read_tokens) AS cacheReadTokens,
           SUM(cache_write_tokens) AS cacheWriteTokens, SUM(output_tokens) AS outputTokens, COUNT(*) AS requests
         FROM usage WHERE ts_ms >= ? AND ts_ms < ? GROUP BY model, route`,
      )
      .all(fromMs, toMs) as {
      model: string;
      route: 'local' | 'cloud';
      inputTokens: number;
      cacheReadTokens: number;
      cacheWriteTokens: number;
      outputTokens: number;
      requests: number;
    }[];
  }

  /** Deletes raw power samples and probes older than `beforeMs` (rollups stay). Returns rows removed. */
  purgeRawBefore(beforeMs: number): number {
    const purge = this.db.transaction(() => {
      const a = this.db.prepare('DELETE FROM power_samples WHERE ts_ms < ?').run(beforeMs).changes;
      const b = this.db.prepare('DELETE FROM probes WHERE ts_ms < ?').run(beforeMs).changes;
      return a + b;
    });
    return purge();
  }

  private insertMany<T>(rows: readonly T[], insertOne: (row: T) => number): InsertCount {
    const run = this.db.transaction((items: readonly T[]) => {
      let inserted = 0;
      for (const row of items) inserted += insertOne(row);
      return inserted;
    });
    const inserted = run(rows);
    return { inserted, duplicates: rows.length - inserted };
  }
}

function migrate(db: Database.Database, file: string): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > MIGRATIONS.length) throw tooNew(file);
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function tooNew(file: string): OpsError {
  return new OpsError(`the ledger ${file} was written by a newer version of ops`, {
    hint: 'upgrade ops, or point OPS_HOME at another state directory',
  });
}
