/**
 * The ledger's schema as ordered migrations; `PRAGMA user_version` records how many have run. Append only: a
 * shipped migration is never edited, a change is a new entry.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- Raw readings, kept as long as configured. The primary key de-duplicates re-imports and orders scans.
  CREATE TABLE power_samples (
    source TEXT NOT NULL, device TEXT NOT NULL, ts_ms INTEGER NOT NULL,
    power_w REAL, energy_j REAL,
    PRIMARY KEY (source, device, ts_ms)
  ) WITHOUT ROWID;

  CREATE TABLE probes (
    target TEXT NOT NULL, ts_ms INTEGER NOT NULL,
    ok INTEGER NOT NULL, latency_ms REAL, error TEXT,
    PRIMARY KEY (target, ts_ms)
  ) WITHOUT ROWID;

  -- Usage is the business record: kept indefinitely.
  CREATE TABLE usage (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL, api TEXT NOT NULL, model TEXT NOT NULL, upstream TEXT NOT NULL,
    route TEXT NOT NULL CHECK (route IN ('local', 'cloud')),
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    latency_ms REAL NOT NULL, ttft_ms REAL, status INTEGER NOT NULL,
    dedup_key TEXT UNIQUE
  );
  CREATE INDEX usage_ts ON usage (ts_ms);

  -- Rollups, kept indefinitely and recomputable from raw rows while those are kept.
  CREATE TABLE energy_buckets (
    bucket_ms INTEGER NOT NULL, source TEXT NOT NULL, device TEXT NOT NULL,
    energy_wh REAL NOT NULL, measured_s REAL NOT NULL,
    PRIMARY KEY (bucket_ms, source, device)
  ) WITHOUT ROWID;

  CREATE TABLE probe_days (
    day_ms INTEGER NOT NULL, target TEXT NOT NULL, interval_s INTEGER NOT NULL, from_ms INTEGER NOT NULL,
    expected_slots INTEGER NOT NULL, up_slots INTEGER NOT NULL,
    PRIMARY KEY (day_ms, target)
  ) WITHOUT ROWID;

  CREATE TABLE incident_pieces (
    target TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, causes TEXT NOT NULL,
    PRIMARY KEY (target, start_ms)
  ) WITHOUT ROWID;

  -- complete = 1 once the day was rolled up after it ended (a later run need not redo it).
  CREATE TABLE rollup_days (day_ms INTEGER PRIMARY KEY, computed_at_ms INTEGER NOT NULL, complete INTEGER NOT NULL);
  `,
  `
  -- Upgrade and rollback events (from $OPS_HOME/spool/events/upgrades.ndjson), kept indefinitely. One attempt is
  -- several rows with the same attempt_id; the unique key makes re-importing the same lines add nothing.
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL, kind TEXT NOT NULL, attempt_id TEXT NOT NULL, deployment TEXT NOT NULL,
    action TEXT NOT NULL, strategy TEXT NOT NULL,
    detail TEXT NOT NULL, -- JSON: changes, from, to, reason, durationMs (whichever the kind carries)
    UNIQUE (attempt_id, kind, ts_ms)
  );
  CREATE INDEX events_ts ON events (ts_ms);
  `,
  `
  -- The parts of input_tokens (the whole prompt) the cloud bills at its cache rates: tokens read from a prompt cache
  -- (a local engine's reused KV, Anthropic's cache_read_input_tokens) and written to one (cache_creation_input_tokens).
  -- Rows from before this migration know neither: 0, priced at the plain input rate as they were.
  ALTER TABLE usage ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE usage ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- Measured quality and speed (ops eval, ops bench), kept indefinitely. A run is one suite (or one bench) against
  -- one model; target 'baseline' marks the stored cloud run every later report compares against. detail is JSON.
  CREATE TABLE eval_runs (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL, suite TEXT NOT NULL, kind TEXT NOT NULL, model TEXT NOT NULL, api TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('local', 'baseline')), variant TEXT,
    passed INTEGER NOT NULL, total INTEGER NOT NULL, rate_low REAL NOT NULL, rate_high REAL NOT NULL,
    mean_latency_ms REAL NOT NULL, p95_latency_ms REAL NOT NULL, duration_ms REAL NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX eval_runs_ts ON eval_runs (ts_ms);
  CREATE TABLE bench_runs (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL, host TEXT NOT NULL, engine TEXT NOT NULL, model TEXT NOT NULL,
    decode_tps REAL, prompt_tps REAL, predicted_decode_tps REAL, roofline_decode_tps REAL,
    detail TEXT NOT NULL
  );
  CREATE INDEX bench_runs_ts ON bench_runs (ts_ms);
  `,
  `
  -- Why the gateway sent a request where it went (src/gateway/hybrid/decide-target.ts: local-preferred, local-down,
  -- task-rule, …) and the Plan's task rule involved. Rows from before this migration, and OpenAI API traffic, have
  -- neither: NULL.
  ALTER TABLE usage ADD COLUMN route_reason TEXT;
  ALTER TABLE usage ADD COLUMN route_rule TEXT;
  `,
];
