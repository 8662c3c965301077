import { HttpClient, HttpError } from '../http/http-client.js';
import { AdmissionQueue } from './admission-queue.js';
import { GatewayError } from './gateway-error.js';
import type { QueueSnapshot } from './metrics.js';
import { SlotAffinity } from './slot-affinity.js';
import { DEFAULT_TIMEOUTS, type GatewayTimeouts } from './timeouts.js';
import type { UpstreamDescriptor } from './types.js';
import { type UpstreamAnswer, upstreamAnswer } from './upstream-answer.js';
import { upstreamTransportFailure } from './upstream-errors.js';

/** Health of one upstream as `GET /health` reports it. */
export interface UpstreamHealth {
  name: string;
  healthy: boolean;
  detail: string;
  active: number;
  queued: number;
}

/**
 * One upstream: its keep-alive connection pool, its admission queue and the few HTTP calls the gateway
 * makes to it. Sockets are reused across requests; opening a TCP connection per request would cost more
 * than everything else the gateway does.
 */
export class Upstream {
  readonly queue: AdmissionQueue;
  /** Session → llama.cpp slot, for prompt-cache reuse (used for llama.cpp engines only). */
  readonly slots: SlotAffinity;
  /** Its keep-alive pool; made on first use, so a gateway that closed and listens again reconnects. */
  private client: HttpClient | undefined;
  /** Scheme, host and port of the upstream. */
  private readonly origin: string;
  /** The OpenAI base path without a trailing slash (usually `/v1`). */
  private readonly basePath: string;
  /** Base without the trailing `/v1`: where llama.cpp and vLLM put `/health` and `/tokenize`. */
  private readonly root: string;
  private current: UpstreamDescriptor;

  constructor(
    descriptor: UpstreamDescriptor,
    maxQueued: number,
    private readonly timeouts: GatewayTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.current = descriptor;
    const base = new URL(descriptor.baseUrl.replace(/\/+$/, ''));
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.root = this.basePath.replace(/\/v1$/, '');
    this.queue = new AdmissionQueue(descriptor.parallel, maxQueued);
    this.slots = new SlotAffinity(descriptor.parallel);
  }

  get descriptor(): UpstreamDescriptor {
    return this.current;
  }

  get upstreamModel(): string {
    return this.current.upstreamModel ?? this.current.name;
  }

  get name(): string {
    return this.current.name;
  }

  /** True when a reloaded descriptor can be applied in place: same name, address and key (limits may differ). */
  canUpdateTo(next: UpstreamDescriptor): boolean {
    return (
      next.name === this.current.name &&
      next.baseUrl === this.current.baseUrl &&
      next.apiKey === this.current.apiKey
    );
  }

  /** Applies a reloaded descriptor in place; waiting and running requests keep their places. */
  update(next: UpstreamDescriptor): void {
    this.current = next;
    this.queue.setSlots(next.parallel);
    this.slots.resize(next.parallel);
  }

  /** POSTs JSON to a path under the OpenAI base (e.g. `/chat/completions`); resolves on response headers. */
  post(path: string, body: string, signal?: AbortSignal): Promise<UpstreamAnswer> {
    return this.request('POST', `${this.basePath}${path}`, body, signal);
  }

  /** POSTs JSON to a path at the server root (llama.cpp and vLLM `/tokenize`). */
  postRoot(path: string, body: string, signal?: AbortSignal): Promise<UpstreamAnswer> {
    return this.request('POST', `${this.root}${path}`, body, signal);
  }

  /** GETs a path at the server root (llama.cpp and vLLM `/metrics`, for the capacity API's KV figure). */
  getRoot(path: string, signal?: AbortSignal): Promise<UpstreamAnswer> {
    return this.request('GET', `${this.root}${path}`, undefined, signal);
  }

  /** Probes the upstream: `/health` for engines ops runs, `/models` for external APIs. */
  async health(timeoutMs: number): Promise<UpstreamHealth> {
    const state = { name: this.name, active: this.queue.activeCount, queued: this.queue.queuedCount() };
    const path = this.descriptor.engine === 'external' ? `${this.basePath}/models` : `${this.root}/health`;
    try {
      const res = await this.request('GET', path, undefined, AbortSignal.timeout(timeoutMs));
      res.discard();
      return { ...state, healthy: res.status < 300, detail: `HTTP ${res.status}` };
    } catch (error) {
      return { ...state, healthy: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  snapshot(): QueueSnapshot {
    return {
      upstream: this.name,
      active: this.queue.activeCount,
      interactive: this.queue.queuedCount('interactive'),
      background: this.queue.queuedCount('background'),
    };
  }

  /** Drops its connections, requests in flight included. */
  close(): void {
    void this.client?.destroy().catch(() => undefined);
    this.client = undefined;
  }

  /**
   * One HTTP exchange through the HTTP layer: no redirects, no retries but one case — a kept-alive connection
   * the engine closed just as it was reused is sent again (llama-server closes idle and over-used keep-alive
   * connections), rather than failing the client's request. The first-byte and idle limits are undici's
   * response-head and body timeouts; a failure is a GatewayError (`upstreamTransportFailure`).
   */
  private async request(
    method: string,
    path: string,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<UpstreamAnswer> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.descriptor.apiKey) headers.authorization = `Bearer ${this.descriptor.apiKey}`;
    try {
      // A wedged or unreachable engine must not hold a client's turn (and a slot) for the system's own timeouts.
      // Idle connections close after the HTTP layer's 4 s, under the engines' own 5 s (cpp-httplib's
      // CPPHTTPLIB_KEEPALIVE_TIMEOUT_SECOND, uvicorn's, Node's), so a reused one is rarely being closed.
      this.client ??= new HttpClient({
        connections: Math.max(8, this.current.parallel * 2),
        connectTimeoutMs: this.timeouts.upstreamConnectMs,
      });
      const res = await this.client.stream(`${this.origin}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
        headersTimeoutMs: this.timeouts.upstreamFirstByteMs,
        bodyIdleTimeoutMs: this.timeouts.upstreamIdleMs,
        resendOnReset: 3,
      });
      return upstreamAnswer(res, `upstream ${this.name}`, (error) =>
        upstreamTransportFailure(this.name, error, this.timeouts, true),
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      if (error instanceof HttpError) throw upstreamTransportFailure(this.name, error, this.timeouts);
      throw error;
    }
  }
}

/** What a Plan reload changed in the pool. */
export interface PoolChange {
  added: string[];
  updated: string[];
  retired: string[];
}

/** How long an upstream a reload dropped stays idle before its sockets close (a request routed just before
 * the reload may still be between routing and admission). */
const DRAIN_GRACE_MS = 1000;

/**
 * All upstreams by name. A reloaded Plan swaps the set at once: upstreams it drops are retired, not closed —
 * requests already routed to them (admitted or queued) finish there, and they close once idle.
 */
export class UpstreamPool {
  private byName = new Map<string, Upstream>();
  private readonly draining = new Map<Upstream, number | undefined>();
  private drainTimer: NodeJS.Timeout | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private heldNames = new Set<string>();

  constructor(
    descriptors: readonly UpstreamDescriptor[],
    private readonly maxQueuedPerUpstream: number,
    private readonly timeouts: GatewayTimeouts = DEFAULT_TIMEOUTS,
  ) {
    for (const d of descriptors) this.byName.set(d.name, new Upstream(d, maxQueuedPerUpstream, timeouts));
  }

  get(name: string): Upstream {
    const upstream = this.byName.get(name) ?? [...this.draining.keys()].find((u) => u.name === name);
    if (!upstream) throw new GatewayError('internal', `route points at unknown upstream ${name}`);
    return upstream;
  }

  /** The upstreams of the current Plan. */
  all(): Upstream[] {
    return [...this.byName.values()];
  }

  /** Upstreams a reload dropped that still have requests admitted or queued. */
  drainingUpstreams(): Upstream[] {
    return [...this.draining.keys()];
  }

  /** Names whose admission is held (a stop-and-swap is under way). */
  held(): string[] {
    return [...this.heldNames].filter((n) => this.byName.has(n));
  }

  /** Makes the pool match a reloaded Plan's upstreams: keeps, updates in place, adds and retires. */
  reload(descriptors: readonly UpstreamDescriptor[]): PoolChange {
    const change: PoolChange = { added: [], updated: [], retired: [] };
    const next = new Map<string, Upstream>();
    for (const d of descriptors) {
      const existing = this.byName.get(d.name);
      if (existing?.canUpdateTo(d)) {
        existing.update(d);
        next.set(d.name, existing);
        change.updated.push(d.name);
        continue;
      }
      if (existing) this.retire(existing);
      const fresh = new Upstream(d, this.maxQueuedPerUpstream, this.timeouts);
      if (this.heldNames.has(d.name)) fresh.queue.hold(true);
      next.set(d.name, fresh);
      change.added.push(d.name);
    }
    for (const [name, u] of this.byName) {
      if (!next.has(name)) {
        this.retire(u);
        change.retired.push(name);
      }
    }
    this.byName = next;
    return change;
  }

  /**
   * Holds admission to the named upstreams (requests queue, streams get pings) and releases every other one.
   * The hold ends by itself at `untilMs` (epoch ms), so a switch that dies half-way cannot hold forever.
   */
  hold(names: readonly string[], untilMs?: number): void {
    clearTimeout(this.holdTimer);
    this.heldNames = new Set(names);
    for (const [name, u] of this.byName) u.queue.hold(this.heldNames.has(name));
    if (names.length > 0 && untilMs !== undefined) {
      this.holdTimer = setTimeout(() => this.hold([]), Math.max(0, untilMs - Date.now()));
      this.holdTimer.unref();
    }
  }

  close(): void {
    clearTimeout(this.holdTimer);
    clearInterval(this.drainTimer);
    for (const u of this.byName.values()) u.close();
    for (const u of this.draining.keys()) u.close();
    this.draining.clear();
  }

  private retire(u: Upstream): void {
    // Its queued requests were routed before the reload: they go to it, not into a hold.
    u.queue.hold(false);
    this.draining.set(u, undefined);
    this.drainTimer ??= setInterval(() => this.closeIdle(), 100);
    this.drainTimer.unref();
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [u, idleSince] of this.draining) {
      if (u.queue.activeCount > 0 || u.queue.queuedCount() > 0) this.draining.set(u, undefined);
      else if (idleSince === undefined) this.draining.set(u, now);
      else if (now - idleSince >= DRAIN_GRACE_MS) {
        u.close();
        this.draining.delete(u);
      }
    }
    if (this.draining.size === 0) {
      clearInterval(this.drainTimer);
      this.drainTimer = undefined;
    }
  }
}
