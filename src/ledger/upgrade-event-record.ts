import { z } from 'zod';
import { UPGRADE_STRATEGIES } from '../upgrade/types.js';
import { UPGRADE_EVENT_KINDS, type UpgradeEventRow } from './types.js';

/**
 * One line of `$OPS_HOME/spool/events/upgrades.ndjson` as `UpgradeLog` writes it (`UpgradeRecord` in
 * src/upgrade/types.ts). Extra fields are ignored so a newer writer does not make an older ledger drop lines.
 */
const upgradeRecordSchema = z.object({
  ts: z.iso.datetime({ offset: true }),
  kind: z.enum(UPGRADE_EVENT_KINDS),
  id: z.string().min(1),
  deployment: z.string().min(1),
  action: z.enum(['upgrade', 'rollback']),
  strategy: z.enum(UPGRADE_STRATEGIES),
  changes: z.array(z.string()).optional(),
  from: z.array(z.string()).optional(),
  to: z.array(z.string()).optional(),
  reason: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
});

/** Validates one parsed spool line; the ledger row, or null when the line is not an upgrade event. */
export function parseUpgradeRecord(value: unknown): UpgradeEventRow | null {
  const r = upgradeRecordSchema.safeParse(value);
  if (!r.success) return null;
  const { ts, kind, id, deployment, action, strategy, ...rest } = r.data;
  const detail: UpgradeEventRow['detail'] = {};
  if (rest.changes !== undefined) detail.changes = rest.changes;
  if (rest.from !== undefined) detail.from = rest.from;
  if (rest.to !== undefined) detail.to = rest.to;
  if (rest.reason !== undefined) detail.reason = rest.reason;
  if (rest.durationMs !== undefined) detail.durationMs = rest.durationMs;
  return { tsMs: Date.parse(ts), kind, attemptId: id, deployment, action, strategy, detail };
}
