import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AdmissionQueue } from './admission-queue.js';
import { GatewayError } from './gateway-error.js';
import type { QueueSnapshot } from './metrics.js';
import { SlotAffinity } from './slot-affinity.js';
import { DEFAULT_TIMEOUTS, type GatewayTimeouts } from './timeouts.js';
import type { UpstreamDescriptor } from './types.js';

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
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly base: URL;
  /** Base without the trailing `/v1`: where llama.cpp and vLLM put `/health` and `/tokenize`. */
  private readonly root: string;
  private current: UpstreamDescriptor;

  constructor(
    descriptor: UpstreamDescriptor,
    maxQueued: number,
    private readonly timeouts: GatewayTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.current = descriptor;
    this.base = new URL(descriptor.baseUrl.replace(/\/+$/, ''));
    this.transport = this.base.protocol === 'https:' ? https : http;
    const agentOptions = {
      keepAlive: true,
      maxSockets: Math.max(8, descriptor.parallel * 2),
      keepAliveMsecs: 30_000,
    };
    this.agent =
      this.base.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.root = this.base.pathname.replace(/\/v1$/, '').replace(/\/+$/, '');
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
  post(path: string, body: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.request('POST', `${this.base.pathname.replace(/\/+$/, '')}${path}`, body, signal);
  }

  /** POSTs JSON to a path at the server root (llama.cpp and vLLM `/tokenize`). */
  postRoot(path: string, body: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.request('POST', `${this.root}${path}`, body, signal);
  }

  /** GETs a path at the server root (llama.cpp and vLLM `/metrics`, for the capacity API's KV figure). */
  getRoot(path: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.request('GET', `${this.root}${path}`, undefined, signal);
  }

  /** Probes the upstream: `/health` for engines ops runs, `/models` for external APIs. */
  async health(timeoutMs: number): Promise<UpstreamHealth> {
    const state = { name: this.name, active: this.queue.activeCount, queued: this.queue.queuedCount() };
    const path =
      this.descriptor.engine === 'external'
        ? `${this.base.pathname.replace(/\/+$/, '')}/models`
        : `${this.root}/health`;
    try {
      const res = await this.request('GET', path, undefined, AbortSignal.timeout(timeoutMs));
      res.resume();
      const healthy = res.statusCode !== undefined && res.statusCode < 300;
      return { ...state, healthy, detail: `HTTP ${res.statusCode}` };
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

  close(): void {
    this.agent.destroy();
  }

  /**
   * One HTTP exchange. A kept-alive socket the server closed just as it was reused fails with ECONNRESET
   * before the server read anything (llama-server's cpp-httplib closes idle and over-used keep-alive
   * connections); Node's docs advise retrying exactly that case (`request.reusedSocket`), so it is retried
   * on a fresh socket rather than failing the client's request.
   */
  private async request(
    method: string,
    path: string,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(method, path, body, signal);
      } catch (error) {
        if (!(error instanceof StaleSocketError)) throw error;
        if (attempt >= 3) throw error.cause;
      }
    }
  }

  private requestOnce(
    method: string,
    path: string,
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json, text/event-stream' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    if (this.descriptor.apiKey) headers.authorization = `Bearer ${this.descriptor.apiKey}`;
    const { upstreamConnectMs, upstreamFirstByteMs, upstreamIdleMs } = this.timeouts;
    return new Promise((resolve, reject) => {
      let firstByteTimer: NodeJS.Timeout | undefined;
      const req = this.transport.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
          port: this.base.port || (this.base.protocol === 'https:' ? 443 : 80),
          method,
          path,
          headers,
          agent: this.agent,
          signal,
        },
        (res) => {
          clearTimeout(firstByteTimer);
          this.watchIdle(res, upstreamIdleMs);
          resolve(res);
        },
      );
      // A wedged or unreachable engine must not hold a client's turn (and a slot) for its own timeouts.
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(
          () => req.destroy(this.timeoutError(`did not accept a connection within ${upstreamConnectMs} ms`)),
          upstreamConnectMs,
        );
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      firstByteTimer = setTimeout(
        () => req.destroy(this.timeoutError(`did not answer within ${upstreamFirstByteMs} ms`)),
        upstreamFirstByteMs,
      );
      req.on('close', () => clearTimeout(firstByteTimer));
      req.on('error', (error) => {
        clearTimeout(firstByteTimer);
        const code = (error as NodeJS.ErrnoException).code;
        if (signal?.aborted) reject(signal.reason ?? error);
        else if (error instanceof GatewayError) reject(error);
        else if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE'))
          reject(new StaleSocketError(this.wrapError(error)));
        else reject(this.wrapError(error));
      });
      req.end(body);
    });
  }

  /**
   * Cuts an answer whose body goes silent for `idleMs` (an engine wedged mid-stream, or trickling nothing):
   * the body stream then fails with a timeout error, which its reader reports.
   */
  private watchIdle(res: IncomingMessage, idleMs: number): void {
    const socket = res.socket;
    if (!socket) return;
    const onTimeout = () => res.destroy(this.timeoutError(`sent nothing for ${idleMs} ms`));
    socket.setTimeout(idleMs);
    socket.on('timeout', onTimeout);
    const done = () => {
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    };
    res.once('end', done);
    res.once('close', done);
  }

  /**
   * A timed-out upstream is an overload to the client (Anthropic's `overloaded_error`, retried by Claude
   * Code) when nothing was sent yet; a stream under way reports it in-band.
   */
  private timeoutError(what: string): GatewayError {
    return new GatewayError('overloaded', `upstream ${this.name} ${what}`, { retryAfterS: 5 });
  }

  private wrapError(error: Error): GatewayError {
    return new GatewayError(
      'upstream',
      `upstream ${this.name} failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
      { cause: error },
    );
  }
}

/** A request lost to a reused keep-alive socket the server had closed; safe to send again. */
class StaleSocketError extends Error {
  constructor(override readonly cause: GatewayError) {
    super(cause.message);
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

/** Reads a whole response body as text (upstream JSON answers are small next to the work behind them). */
export async function readText(res: IncomingMessage, maxBytes = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      res.destroy();
      throw new GatewayError('upstream', `upstream answer larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
