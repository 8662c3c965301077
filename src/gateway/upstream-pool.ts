import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AdmissionQueue } from './admission-queue.js';
import { GatewayError } from './gateway-error.js';
import type { QueueSnapshot } from './metrics.js';
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
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly base: URL;
  /** Base without the trailing `/v1`: where llama.cpp and vLLM put `/health` and `/tokenize`. */
  private readonly root: string;
  readonly upstreamModel: string;

  constructor(
    readonly descriptor: UpstreamDescriptor,
    maxQueued: number,
  ) {
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
    this.upstreamModel = descriptor.upstreamModel ?? descriptor.name;
  }

  get name(): string {
    return this.descriptor.name;
  }

  /** POSTs JSON to a path under the OpenAI base (e.g. `/chat/completions`); resolves on response headers. */
  post(path: string, body: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.request('POST', `${this.base.pathname.replace(/\/+$/, '')}${path}`, body, signal);
  }

  /** POSTs JSON to a path at the server root (llama.cpp and vLLM `/tokenize`). */
  postRoot(path: string, body: string, signal?: AbortSignal): Promise<IncomingMessage> {
    return this.request('POST', `${this.root}${path}`, body, signal);
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
    return new Promise((resolve, reject) => {
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
        resolve,
      );
      req.on('error', (error) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (signal?.aborted) reject(signal.reason ?? error);
        else if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE'))
          reject(new StaleSocketError(this.wrapError(error)));
        else reject(this.wrapError(error));
      });
      req.end(body);
    });
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

/** All upstreams by name. */
export class UpstreamPool {
  private readonly byName = new Map<string, Upstream>();

  constructor(descriptors: readonly UpstreamDescriptor[], maxQueuedPerUpstream: number) {
    for (const d of descriptors) this.byName.set(d.name, new Upstream(d, maxQueuedPerUpstream));
  }

  get(name: string): Upstream {
    const upstream = this.byName.get(name);
    if (!upstream) throw new GatewayError('internal', `route points at unknown upstream ${name}`);
    return upstream;
  }

  all(): Upstream[] {
    return [...this.byName.values()];
  }

  close(): void {
    for (const u of this.byName.values()) u.close();
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
