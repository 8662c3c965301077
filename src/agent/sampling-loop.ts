import type { EventBus } from '../core/events.js';
import type { Ledger } from '../ledger/ledger.js';
import { type RollupSettings, retiredKey, updateRollups } from '../ledger/rollups.js';
import { DAY_MS, dayStart } from '../ledger/types.js';
import type { AgentMetrics } from './agent-metrics.js';
import { type ProbeTarget, probeTarget } from './http-probe.js';
import type { PowerSampler } from './types.js';

export interface SamplingLoopOptions {
  ledger: Ledger;
  samplers: PowerSampler[];
  targets: ProbeTarget[];
  sampleIntervalMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  rollup: RollupSettings;
  rawRetentionDays: number;
  /** How often rollups are brought up to date and old raw rows purged (default 15 minutes). */
  maintainEveryMs?: number;
  metrics?: AgentMetrics;
  bus?: EventBus;
  now?: () => number;
}

/**
 * The agent's loop: every sample interval it reads all power samplers and writes their readings in one
 * transaction; every probe interval (aligned to the clock, so each uptime slot gets one probe) it probes every
 * target; every `maintainEveryMs` it updates the rollups and purges raw rows past retention. A failing sampler
 * or target is recorded and retried next time — the loop itself never stops on one.
 */
export class SamplingLoop {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly failing = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private stopped = false;

  constructor(private readonly options: SamplingLoopOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Records the probe target list (retiring targets that left it), brings rollups up to date, starts the timers. */
  start(): void {
    const { ledger, targets } = this.options;
    const nowMs = this.now();
    ledger.setMetaOnce('monitoring-started-ms', String(nowMs));
    const previous = JSON.parse(ledger.getMeta('probe-targets') ?? '[]') as string[];
    for (const name of previous) {
      if (!targets.some((t) => t.name === name)) ledger.setMeta(retiredKey(name), String(nowMs));
    }
    for (const t of targets) ledger.db.prepare('DELETE FROM meta WHERE key = ?').run(retiredKey(t.name));
    ledger.setMeta('probe-targets', JSON.stringify(targets.map((t) => t.name)));
    ledger.setMeta('probe-interval-s', String(this.options.probeIntervalMs / 1000));
    this.maintain();

    this.timers.push(setInterval(() => this.track(this.sampleOnce()), this.options.sampleIntervalMs));
    this.track(this.sampleOnce());
    const every = this.options.probeIntervalMs;
    const scheduleProbe = () => {
      if (this.stopped) return;
      // Probe a second into each slot, so a probe never lands on a slot edge.
      const delay = Math.ceil((this.now() + 1) / every) * every - this.now() + Math.min(1000, every / 10);
      this.timers.push(
        setTimeout(() => {
          this.track(this.probeOnce());
          scheduleProbe();
        }, delay),
      );
    };
    this.track(this.probeOnce());
    scheduleProbe();
    this.timers.push(setInterval(() => this.maintain(), this.options.maintainEveryMs ?? 15 * 60_000));
  }

  /** Stops the timers, waits for reads in flight, and brings the rollups up to date once more. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.allSettled([...this.pending]);
    this.maintain();
  }

  async sampleOnce(): Promise<number> {
    const tsMs = this.now();
    const results = await Promise.allSettled(this.options.samplers.map((s) => s.sample(tsMs)));
    const rows = results.flatMap((r, i) => {
      const sampler = this.options.samplers[i]!.name;
      if (r.status === 'fulfilled') {
        this.recovered(sampler);
        return r.value;
      }
      this.failed(sampler, (r.reason as Error).message);
      this.options.metrics?.recordSamplerError(sampler);
      return [];
    });
    if (this.stopped && rows.length === 0) return 0;
    this.options.metrics?.recordPower(rows, this.options.rollup.maxGapS * 1000);
    return this.options.ledger.insertPowerSamples(rows).inserted;
  }

  async probeOnce(): Promise<number> {
    const results = await Promise.all(
      this.options.targets.map((t) => probeTarget(t, this.options.probeTimeoutMs, this.now)),
    );
    for (const r of results) {
      this.options.metrics?.recordProbe(r);
      if (r.ok) this.recovered(`probe ${r.target}`);
      else this.failed(`probe ${r.target}`, r.error ?? 'failed');
    }
    return this.options.ledger.insertProbes(results).inserted;
  }

  /** Rolls up every day not complete yet, then purges raw rows past retention from complete days only. */
  maintain(): void {
    const { ledger } = this.options;
    const nowMs = this.now();
    const earliest = ledger.earliestRecordMs();
    if (earliest === null) return;
    const lastComplete = ledger.db
      .prepare('SELECT MAX(day_ms) AS d FROM rollup_days WHERE complete = 1')
      .get() as { d: number | null };
    const from = lastComplete.d === null ? dayStart(earliest) : lastComplete.d + DAY_MS;
    const days = updateRollups(ledger, from, nowMs + 1, nowMs, this.options.rollup);
    if (days.length > 0)
      this.log(
        'debug',
        `rolled up ${days.length} day(s) from ${new Date(days[0]!).toISOString().slice(0, 10)}`,
      );
    const firstIncomplete = ledger.db
      .prepare('SELECT MIN(day_ms) AS d FROM rollup_days WHERE complete = 0')
      .get() as { d: number | null };
    const cutoff = Math.min(
      nowMs - this.options.rawRetentionDays * DAY_MS,
      firstIncomplete.d ?? Number.POSITIVE_INFINITY,
    );
    const purged = ledger.purgeRawBefore(dayStart(cutoff));
    if (purged > 0)
      this.log('debug', `purged ${purged} raw rows older than ${this.options.rawRetentionDays} days`);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p
      .catch((error) => this.log('warn', `agent: ${(error as Error).message}`))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  // One line when something starts failing and one when it recovers, not one per tick.
  private failed(what: string, why: string): void {
    if (this.failing.has(what)) return;
    this.failing.add(what);
    this.log('warn', `${what} failing: ${why}`);
  }

  private recovered(what: string): void {
    if (this.failing.delete(what)) this.log('info', `${what} recovered`);
  }

  private log(level: 'debug' | 'info' | 'warn', message: string): void {
    this.options.bus?.emit({ kind: 'log', level, message });
  }
}
