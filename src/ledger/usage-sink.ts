import type { Ledger } from './ledger.js';
import type { UsageRow } from './types.js';

/** The gateway's per-request record, as far as the ledger needs it (structurally the gateway's UsageRecord). */
export interface UsageRecordLike {
  at?: string;
  api?: string;
  model: string;
  upstream: string;
  route: 'local' | 'cloud';
  inputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  outputTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  status: number;
  routeReason?: string;
  routeRule?: string;
}

/**
 * A usage sink for the gateway (`createGateway({ usageSink })`) that writes each request to the ledger.
 * Records are buffered and written in one transaction every `flushMs` (default 1 s) or every 500 records, so a
 * busy gateway does not pay one fsync per request; `flush()` writes what is pending (call it on shutdown).
 * A failed write is reported to `onError` and never thrown into the gateway's request path.
 */
export function createLedgerUsageSink(
  ledger: Ledger,
  options: { flushMs?: number; onError?: (error: unknown) => void; now?: () => number } = {},
): ((record: UsageRecordLike) => void) & { flush: () => void } {
  let pending: UsageRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  const now = options.now ?? Date.now;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    try {
      ledger.insertUsage(rows);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const sink = (record: UsageRecordLike) => {
    const parsed = record.at ? Date.parse(record.at) : Number.NaN;
    pending.push({
      tsMs: Number.isFinite(parsed) ? parsed : now(),
      api: record.api ?? 'unknown',
      model: record.model,
      upstream: record.upstream,
      route: record.route,
      inputTokens: record.inputTokens,
      cacheReadTokens: record.cacheReadTokens ?? 0,
      cacheWriteTokens: record.cacheWriteTokens ?? 0,
      outputTokens: record.outputTokens,
      latencyMs: record.latencyMs,
      ttftMs: record.ttftMs,
      status: record.status,
      dedupKey: null,
      ...(record.routeReason !== undefined ? { routeReason: record.routeReason } : {}),
      ...(record.routeRule !== undefined ? { routeRule: record.routeRule } : {}),
    });
    if (pending.length >= 500) flush();
    else if (!timer) {
      timer = setTimeout(flush, options.flushMs ?? 1000);
      timer.unref();
    }
  };
  return Object.assign(sink, { flush });
}
