import type { IncomingMessage, ServerResponse } from 'node:http';
import { abortOnClientGone, type GatewayContext } from './gateway-context.js';
import { toGatewayError } from './gateway-error.js';
import { sendError } from './http-reply.js';
import { parseJsonBody, readRequestBody } from './read-body.js';
import type { ApiKind, Priority, UsageRecord } from './types.js';
import type { Upstream } from './upstream-pool.js';

/** What an admitted request holds: its queue lease and, on llama.cpp with slot affinity, its session's slot. */
export interface Admission {
  /** llama.cpp's `id_slot` for this session, when the gateway pins sessions to slots. */
  slot: number | undefined;
  waitedMs: number;
}

/**
 * One request's life in the gateway, the same for every API: authenticate, read the body, (route, fit) admit to
 * the upstream's queue, send, record, release. The handlers keep only what is theirs (translate in, send,
 * translate out); this object holds what every request carries: its start time, the abort signal fired when the
 * client goes away, the admission it holds (freed exactly once, whatever happens), and the one failure path
 * (before the first byte: the API's own error; after it: in-band; the client gone: 499; always recorded).
 */
export class GatewayRequest {
  readonly startedAt = Date.now();
  readonly controller: AbortController;
  model = '';
  stream = false;
  upstreamName = 'none';
  private releaseAdmission: (() => void) | undefined;
  /** Set once a streamed answer has begun: a failure after it is told in-band by this function. */
  failInBand: ((error: ReturnType<typeof toGatewayError>) => void) | undefined;

  constructor(
    readonly gw: GatewayContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly api: ApiKind,
  ) {
    this.controller = abortOnClientGone(res);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  /** Checks the caller's key, then reads and parses the JSON body within the gateway's size limit. */
  async readJson(): Promise<unknown> {
    this.gw.auth.check(this.req.headers);
    return parseJsonBody(await readRequestBody(this.req, this.gw.maxBodyBytes));
  }

  /**
   * Waits for a slot of the upstream (a leased request only for its lease's slots); with a session key on a
   * llama.cpp upstream and slot affinity on, also takes that session's slot so the engine reuses its prompt cache.
   * `onQueued` runs when the request has to wait (streams open and ping then).
   */
  async admit(
    upstream: Upstream,
    options: { priority: Priority; leaseId?: string; session?: string; onQueued?: () => void },
  ): Promise<Admission> {
    const lease = await upstream.queue.acquire(
      options.priority,
      this.signal,
      options.onQueued,
      options.leaseId,
    );
    const slot =
      options.session !== undefined && this.gw.slotAffinity && upstream.descriptor.engine === 'llama.cpp'
        ? upstream.slots.acquire(options.session)
        : undefined;
    let released = false;
    this.releaseAdmission = () => {
      if (released) return;
      released = true;
      lease.release();
      if (slot !== undefined) upstream.slots.release(slot);
    };
    this.gw.metrics.observeQueueWait(upstream.name, options.priority, lease.waitedMs);
    return { slot, waitedMs: lease.waitedMs };
  }

  /** Frees the admission now (before handing the request to the cloud); later calls do nothing. */
  release(): void {
    this.releaseAdmission?.();
  }

  /** One usage record for this request, stamped with its API and model. */
  record(fields: Omit<UsageRecord, 'at' | 'api' | 'model'>): void {
    this.gw.recordUsage({ api: this.api, model: this.model, ...fields });
  }

  /**
   * Runs a handler's body with the lifecycle around it: any error becomes the API's answer (or an in-band error
   * once a stream has begun, or nothing when the client is gone), is logged when it is the gateway's own, and is
   * recorded as a failed request; the admission is freed in every case.
   */
  async run(where: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      const aborted = this.signal.aborted;
      if (!aborted) this.gw.logInternal(where, error);
      // 499: the client closed the connection (nginx's convention); nothing is sent to nobody.
      let status = 499;
      if (!aborted) {
        if (this.res.headersSent && this.failInBand) {
          // The stream has begun: the failure is told in-band, as the API itself does.
          this.failInBand(toGatewayError(error));
          status = 502;
        } else status = sendError(this.res, this.api, toGatewayError(error));
      }
      if (this.res.headersSent && !this.res.writableEnded) this.res.end();
      this.gw.recordFailure(this.api, this.model, this.upstreamName, status, this.stream, this.startedAt);
    } finally {
      this.release();
    }
  }
}
