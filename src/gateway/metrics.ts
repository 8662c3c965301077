import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UsageRecord } from './types.js';

/** What the metrics read live from the upstreams at scrape time. */
export interface QueueSnapshot {
  upstream: string;
  active: number;
  interactive: number;
  background: number;
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways can live in one process,
 * as in tests). Labels stay low-cardinality: upstream names and API kinds, never client-chosen model names.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'api' | 'upstream' | 'status'>;
  private readonly tokens: Counter<'upstream' | 'direction'>;
  private readonly latency: Histogram<'api' | 'upstream'>;
  private readonly ttft: Histogram<'api' | 'upstream'>;
  private readonly queueWait: Histogram<'upstream' | 'priority'>;
  private readonly cache: Counter<'result'>;
  private readonly compactions: Counter<'upstream'>;
  private readonly compactedTokens: Counter<'upstream'>;

  constructor(snapshot: () => QueueSnapshot[]) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'ops_gateway_requests_total',
      help: 'Requests answered, by API, upstream and HTTP status',
      labelNames: ['api', 'upstream', 'status'],
      registers,
    });
    this.tokens = new Counter({
      name: 'ops_gateway_tokens_total',
      help: 'Tokens processed, by upstream and direction (input = prompt, output = generated)',
      labelNames: ['upstream', 'direction'],
      registers,
    });
    const seconds = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    this.latency = new Histogram({
      name: 'ops_gateway_request_duration_seconds',
      help: 'Time from request to last byte',
      labelNames: ['api', 'upstream'],
      buckets: seconds,
      registers,
    });
    this.ttft = new Histogram({
      name: 'ops_gateway_time_to_first_token_seconds',
      help: 'Time from request to the first generated token',
      labelNames: ['api', 'upstream'],
      buckets: seconds,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'ops_gateway_queue_wait_seconds',
      help: 'Time a request waited for a free upstream slot',
      labelNames: ['upstream', 'priority'],
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.cache = new Counter({
      name: 'ops_gateway_cache_requests_total',
      help: 'Response cache lookups, by result (hit or miss)',
      labelNames: ['result'],
      registers,
    });
    this.compactions = new Counter({
      name: 'ops_gateway_compactions_total',
      help: 'Conversations the gateway compacted to fit a slot context',
      labelNames: ['upstream'],
      registers,
    });
    this.compactedTokens = new Counter({
      name: 'ops_gateway_compacted_tokens_total',
      help: 'Prompt tokens (estimated) elided by compaction',
      labelNames: ['upstream'],
      registers,
    });
    new Gauge({
      name: 'ops_gateway_queue_depth',
      help: 'Requests waiting for an upstream slot',
      labelNames: ['upstream', 'priority'],
      registers,
      collect() {
        for (const s of snapshot()) {
          this.set({ upstream: s.upstream, priority: 'interactive' }, s.interactive);
          this.set({ upstream: s.upstream, priority: 'background' }, s.background);
        }
      },
    });
    new Gauge({
      name: 'ops_gateway_active_requests',
      help: 'Requests holding an upstream slot',
      labelNames: ['upstream'],
      registers,
      collect() {
        for (const s of snapshot()) this.set({ upstream: s.upstream }, s.active);
      },
    });
  }

  /** Counts a finished request from its usage record. */
  observe(record: UsageRecord): void {
    this.requests.inc({ api: record.api, upstream: record.upstream, status: String(record.status) });
    this.latency.observe({ api: record.api, upstream: record.upstream }, record.latencyMs / 1000);
    if (record.ttftMs !== null)
      this.ttft.observe({ api: record.api, upstream: record.upstream }, record.ttftMs / 1000);
    if (record.inputTokens)
      this.tokens.inc({ upstream: record.upstream, direction: 'input' }, record.inputTokens);
    if (record.outputTokens)
      this.tokens.inc({ upstream: record.upstream, direction: 'output' }, record.outputTokens);
    if (record.compactedTokens !== undefined) {
      this.compactions.inc({ upstream: record.upstream });
      this.compactedTokens.inc({ upstream: record.upstream }, record.compactedTokens);
    }
  }

  observeQueueWait(upstream: string, priority: string, waitedMs: number): void {
    this.queueWait.observe({ upstream, priority }, waitedMs / 1000);
  }

  observeCache(hit: boolean): void {
    this.cache.inc({ result: hit ? 'hit' : 'miss' });
  }
}
