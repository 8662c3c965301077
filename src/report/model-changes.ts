import type { UpgradeEventKind, UpgradeEventRow } from '../ledger/types.js';
import type { ModelChangeAttempt, ModelChangeOutcome, ModelChangesSection } from './types.js';

const OUTCOMES: Partial<Record<UpgradeEventKind, ModelChangeOutcome>> = {
  'upgrade:switched': 'switched',
  'upgrade:rolled-back': 'rolled-back',
  'upgrade:failed': 'failed',
};

/**
 * The month's upgrade and rollback attempts from their events: events are grouped by attempt id, and an attempt
 * is listed when any of its events falls in [fromMs, toMs). `events` may hold whole attempts that reach outside
 * the month (the ledger's `eventsOfAttempts`), so one that crosses the month's edge still shows how it ended.
 */
export function computeModelChanges(
  events: readonly UpgradeEventRow[],
  range: { fromMs: number; toMs: number },
): ModelChangesSection {
  const byAttempt = new Map<string, UpgradeEventRow[]>();
  for (const e of events) {
    const list = byAttempt.get(e.attemptId) ?? [];
    list.push(e);
    byAttempt.set(e.attemptId, list);
  }
  const attempts: ModelChangeAttempt[] = [];
  for (const [id, list] of byAttempt) {
    if (!list.some((e) => e.tsMs >= range.fromMs && e.tsMs < range.toMs)) continue;
    const sorted = [...list].sort((a, b) => a.tsMs - b.tsMs);
    const first = sorted.find((e) => e.kind === 'upgrade:start') ?? sorted[0]!;
    const last = sorted.filter((e) => OUTCOMES[e.kind] !== undefined).at(-1);
    const startMs = sorted[0]!.tsMs;
    const endMs = last?.tsMs ?? null;
    attempts.push({
      id,
      deployment: first.deployment,
      action: first.action,
      strategy: first.strategy,
      start: new Date(startMs).toISOString(),
      startMs,
      end: endMs === null ? null : new Date(endMs).toISOString(),
      endMs,
      outcome: last ? OUTCOMES[last.kind]! : 'unfinished',
      reason: last?.detail.reason ?? null,
      changes: first.detail.changes ?? [],
      from: last?.detail.from ?? [],
      to: last?.detail.to ?? [],
      durationMs: last ? (last.detail.durationMs ?? last.tsMs - startMs) : null,
      startedBeforeMonth: startMs < range.fromMs,
      endedAfterMonth: endMs !== null && endMs >= range.toMs,
    });
  }
  attempts.sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
  const count = (outcome: ModelChangeOutcome) => attempts.filter((a) => a.outcome === outcome).length;
  return {
    attempts,
    switched: count('switched'),
    rolledBack: count('rolled-back'),
    failed: count('failed'),
    unfinished: count('unfinished'),
  };
}
