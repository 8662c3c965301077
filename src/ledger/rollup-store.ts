import type { Ledger } from './ledger.js';
import type { EnergyBucket, IncidentPiece, PowerSource, ProbeDay } from './types.js';

/*
 * The rollup tables: 15-minute energy buckets, daily probe counts, incident pieces, and which days are done.
 * Written by the agent (and by `ops ledger import`), read by the report.
 */

/** Replaces the rollups of the UTC day starting at `dayMs` in one transaction. */
export function replaceDayRollups(
  ledger: Ledger,
  dayMs: number,
  rollups: { energy: EnergyBucket[]; probeDays: ProbeDay[]; incidents: IncidentPiece[] },
  computedAtMs: number,
  complete: boolean,
): void {
  const end = dayMs + 86_400_000;
  const write = ledger.db.transaction(() => {
    ledger.db.prepare('DELETE FROM energy_buckets WHERE bucket_ms >= ? AND bucket_ms < ?').run(dayMs, end);
    ledger.db.prepare('DELETE FROM probe_days WHERE day_ms = ?').run(dayMs);
    ledger.db.prepare('DELETE FROM incident_pieces WHERE start_ms >= ? AND start_ms < ?').run(dayMs, end);
    const e = ledger.db.prepare(
      'INSERT INTO energy_buckets (bucket_ms, source, device, energy_wh, measured_s) VALUES (?, ?, ?, ?, ?)',
    );
    for (const b of rollups.energy) e.run(b.bucketMs, b.source, b.device, b.energyWh, b.measuredS);
    const p = ledger.db.prepare(
      'INSERT INTO probe_days (day_ms, target, interval_s, from_ms, expected_slots, up_slots) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const d of rollups.probeDays)
      p.run(d.dayMs, d.target, d.intervalS, d.fromMs, d.expectedSlots, d.upSlots);
    const i = ledger.db.prepare(
      'INSERT INTO incident_pieces (target, start_ms, end_ms, causes) VALUES (?, ?, ?, ?)',
    );
    for (const x of rollups.incidents) i.run(x.target, x.startMs, x.endMs, JSON.stringify(x.causes));
    ledger.db
      .prepare(
        'INSERT INTO rollup_days (day_ms, computed_at_ms, complete) VALUES (?, ?, ?) ON CONFLICT(day_ms) DO UPDATE SET computed_at_ms = excluded.computed_at_ms, complete = excluded.complete',
      )
      .run(dayMs, computedAtMs, complete ? 1 : 0);
  });
  write();
}

/** Days in [fromMs, toMs) whose rollups are complete. */
export function completeDays(ledger: Ledger, fromMs: number, toMs: number): Set<number> {
  const rows = ledger.db
    .prepare('SELECT day_ms FROM rollup_days WHERE complete = 1 AND day_ms >= ? AND day_ms < ?')
    .raw(true)
    .all(fromMs, toMs) as [number][];
  return new Set(rows.map((r) => r[0]));
}

export function energyBuckets(ledger: Ledger, fromMs: number, toMs: number): EnergyBucket[] {
  const rows = ledger.db
    .prepare(
      'SELECT bucket_ms, source, device, energy_wh, measured_s FROM energy_buckets WHERE bucket_ms >= ? AND bucket_ms < ? ORDER BY bucket_ms',
    )
    .raw(true)
    .all(fromMs, toMs) as [number, PowerSource, string, number, number][];
  return rows.map(([bucketMs, source, device, energyWh, measuredS]) => ({
    bucketMs,
    source,
    device,
    energyWh,
    measuredS,
  }));
}

/** Energy rollups summed over the devices of each source (for months where only the totals matter). */
export function energyBucketsBySource(ledger: Ledger, fromMs: number, toMs: number): EnergyBucket[] {
  const rows = ledger.db
    .prepare(
      `SELECT bucket_ms, source, SUM(energy_wh), MAX(measured_s) FROM energy_buckets
       WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY bucket_ms, source ORDER BY bucket_ms`,
    )
    .raw(true)
    .all(fromMs, toMs) as [number, PowerSource, number, number][];
  return rows.map(([bucketMs, source, energyWh, measuredS]) => ({
    bucketMs,
    source,
    device: '*',
    energyWh,
    measuredS,
  }));
}

export function probeDays(ledger: Ledger, fromMs: number, toMs: number): ProbeDay[] {
  const rows = ledger.db
    .prepare(
      'SELECT day_ms, target, interval_s, from_ms, expected_slots, up_slots FROM probe_days WHERE day_ms >= ? AND day_ms < ? ORDER BY day_ms, target',
    )
    .raw(true)
    .all(fromMs, toMs) as [number, string, number, number, number, number][];
  return rows.map(([dayMs, target, intervalS, fromMs, expectedSlots, upSlots]) => ({
    dayMs,
    target,
    intervalS,
    fromMs,
    expectedSlots,
    upSlots,
  }));
}

export function incidentPieces(ledger: Ledger, fromMs: number, toMs: number): IncidentPiece[] {
  const rows = ledger.db
    .prepare(
      'SELECT target, start_ms, end_ms, causes FROM incident_pieces WHERE start_ms >= ? AND start_ms < ? ORDER BY target, start_ms',
    )
    .raw(true)
    .all(fromMs, toMs) as [string, number, number, string][];
  return rows.map(([target, startMs, endMs, causes]) => ({
    target,
    startMs,
    endMs,
    causes: JSON.parse(causes) as string[],
  }));
}
