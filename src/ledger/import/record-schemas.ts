import { createHash } from 'node:crypto';
import { z } from 'zod';
import { POWER_SOURCES, type PowerSample, type ProbeResult, type UsageRow } from '../types.js';

/**
 * What `ops ledger import` accepts, per kind. Field names are the ledger's (camelCase); CSV headers use the same
 * names. `ts` (or `at`) is an ISO-8601 time or epoch milliseconds (numbers below 1e11 are taken as seconds).
 */
export const IMPORT_KINDS = ['power', 'probe', 'usage'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

const timestamp = z.union([z.number(), z.string().min(1)]).transform((value, ctx) => {
  const ms = toEpochMs(value);
  if (ms === null) {
    ctx.addIssue({
      code: 'custom',
      message: `not a time: ${JSON.stringify(value)} (use ISO-8601 or epoch ms)`,
    });
    return z.NEVER;
  }
  return ms;
});
const num = z.coerce.number().refine(Number.isFinite, 'must be a finite number');
const nonNegative = num.refine((n) => n >= 0, 'must not be negative');
const count = z.coerce.number().int().min(0);
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'up', 'down']), z.literal(0), z.literal(1)])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 1 || v === 'up');

/** `at` is accepted as the gateway's own name for the time field. */
const withTs = (fields: Record<string, unknown>) =>
  fields.ts === undefined && fields.at !== undefined ? { ...fields, ts: fields.at } : fields;

const powerSchema = z
  .object({
    ts: timestamp,
    source: z.enum(POWER_SOURCES),
    device: z.string().min(1),
    powerW: nonNegative.optional(),
    energyJ: nonNegative.optional(),
  })
  .refine((r) => r.powerW !== undefined || r.energyJ !== undefined, {
    message: 'needs powerW or energyJ (or both)',
    path: ['powerW'],
  });

const probeSchema = z.object({
  ts: timestamp,
  target: z.string().min(1),
  ok: flag,
  latencyMs: nonNegative.optional(),
  error: z.string().optional(),
});

const usageSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).optional(),
    ts: timestamp,
    api: z.string().default('unknown'),
    model: z.string().min(1),
    upstream: z.string().min(1),
    route: z.enum(['local', 'cloud']),
    inputTokens: count,
    /** Parts of inputTokens billed at cache rates; absent in records written before the gateway recorded them. */
    cacheReadTokens: count.default(0),
    cacheWriteTokens: count.default(0),
    outputTokens: count,
    latencyMs: nonNegative,
    ttftMs: nonNegative.optional(),
    status: z.coerce.number().int().min(100).max(599),
    /** The gateway's routing decision and task rule (absent in records from before it recorded them). */
    routeReason: z.string().min(1).max(64).optional(),
    routeRule: z.string().min(1).max(64).optional(),
  })
  .refine((u) => u.cacheReadTokens + u.cacheWriteTokens <= u.inputTokens, {
    message: 'cacheReadTokens + cacheWriteTokens are parts of inputTokens and cannot exceed it',
    path: ['cacheReadTokens'],
  });

/** A validated record ready for the ledger. */
export type ImportedRecord =
  | { kind: 'power'; row: PowerSample }
  | { kind: 'probe'; row: ProbeResult }
  | { kind: 'usage'; row: UsageRow };

/** Validates one record of `kind`; returns the row or zod's error. */
export function validateRecord(
  kind: ImportKind,
  fields: Record<string, unknown>,
): { ok: true; record: ImportedRecord } | { ok: false; error: z.ZodError } {
  const input = withTs(fields);
  if (kind === 'power') {
    const r = powerSchema.safeParse(input);
    if (!r.success) return { ok: false, error: r.error };
    const { ts, source, device, powerW, energyJ } = r.data;
    return {
      ok: true,
      record: { kind, row: { tsMs: ts, source, device, powerW: powerW ?? null, energyJ: energyJ ?? null } },
    };
  }
  if (kind === 'probe') {
    const r = probeSchema.safeParse(input);
    if (!r.success) return { ok: false, error: r.error };
    const { ts, target, ok, latencyMs, error } = r.data;
    return {
      ok: true,
      record: {
        kind,
        row: { tsMs: ts, target, ok, latencyMs: latencyMs ?? null, error: ok ? null : (error ?? null) },
      },
    };
  }
  const r = usageSchema.safeParse(input);
  if (!r.success) return { ok: false, error: r.error };
  const u = r.data;
  const row: UsageRow = {
    tsMs: u.ts,
    api: u.api,
    model: u.model,
    upstream: u.upstream,
    route: u.route,
    inputTokens: u.inputTokens,
    cacheReadTokens: u.cacheReadTokens,
    cacheWriteTokens: u.cacheWriteTokens,
    outputTokens: u.outputTokens,
    latencyMs: u.latencyMs,
    ttftMs: u.ttftMs ?? null,
    status: u.status,
    dedupKey: null,
    ...(u.routeReason !== undefined ? { routeReason: u.routeReason } : {}),
    ...(u.routeRule !== undefined ? { routeRule: u.routeRule } : {}),
  };
  // Usage has no natural key: an explicit id wins, else the record's content (the same request imported twice).
  // Cache fields of zero are left out of the content so a file imported before they existed keys the same.
  const { cacheReadTokens, cacheWriteTokens, ...rest } = row;
  const content = {
    ...rest,
    ...(cacheReadTokens || cacheWriteTokens ? { cacheReadTokens, cacheWriteTokens } : {}),
    dedupKey: null,
  };
  row.dedupKey =
    u.id !== undefined
      ? `id:${u.id}`
      : `sha256:${createHash('sha256').update(JSON.stringify(content)).digest('hex')}`;
  return { ok: true, record: { kind, row } };
}

/** Epoch ms from an ISO string, an epoch-ms number, or epoch seconds (below 1e11); null when unreadable. */
export function toEpochMs(value: number | string): number | null {
  const asNumber =
    typeof value === 'number' ? value : /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (Number.isFinite(asNumber)) return Math.round(asNumber < 1e11 ? asNumber * 1000 : asNumber);
  if (typeof value !== 'string') return null;
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? parsed : null;
}
