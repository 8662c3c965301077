import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write.js';
import { OpsError } from '../core/errors.js';
import type { StateDir } from '../core/state-dir.js';
import { displayHost } from '../engines/engine-container.js';
import { holdFileFor } from '../gateway/plan-watcher.js';
import { HttpError, httpRequest } from '../http/http-client.js';
import type { Plan } from '../plan/types.js';
import { gatewayPaths, gatewayPlanText, prepareGatewayFiles } from '../runtime/gateway-container.js';

/** The parts of the gateway's `GET /health` a switch watches. */
interface GatewayHealth {
  upstreams?: { name: string; active: number; queued: number }[];
  draining?: { name: string; active: number; queued: number }[];
  held?: string[];
  plan?: { sha256: string; error?: string };
}

/**
 * The running gateway as a switch drives it: its Plan copy (rewritten atomically; the gateway reloads it), its
 * hold file, and its `/health`, which says which Plan is in force, what is held and what still drains.
 */
export class GatewayControl {
  readonly url: string;
  private readonly planFile: string;
  private readonly holdFile: string;

  constructor(
    private readonly state: StateDir,
    plan: Plan,
    private readonly pollMs = 200,
  ) {
    const g = plan.gateway!;
    this.url = `http://${displayHost(g.host)}:${g.port}`;
    this.planFile = gatewayPaths(state, plan.deployment).planFile;
    this.holdFile = holdFileFor(this.planFile);
  }

  /** Writes the gateway's Plan copy and waits until the gateway routes by it. */
  async routeBy(plan: Plan, timeoutMs = 30_000): Promise<void> {
    const sha = createHash('sha256').update(gatewayPlanText(plan)).digest('hex');
    prepareGatewayFiles(this.state, plan);
    await this.until(timeoutMs, `the gateway at ${this.url} to load the new Plan`, (h) => {
      if (h.plan?.sha256 === sha) return true;
      if (h.plan?.error) throw new OpsError(`the gateway refused the new Plan: ${h.plan.error}`);
      return false;
    });
  }

  /** Holds admission to the named upstreams until released or `untilMs`, and waits for what they run to end. */
  async hold(names: string[], untilMs: number, drainTimeoutMs: number): Promise<void> {
    writeFileAtomic(this.holdFile, JSON.stringify({ upstreams: names, untilMs }), { mkdir: true });
    await this.until(
      drainTimeoutMs,
      `the gateway to hold ${names.join(', ')} and finish their requests`,
      (h) =>
        names.every(
          (n) => h.held?.includes(n) && (h.upstreams?.find((u) => u.name === n)?.active ?? 0) === 0,
        ),
    );
  }

  /** Lifts the hold: queued requests go to whatever the Plan now routes them to. */
  release(): void {
    rmSync(this.holdFile, { force: true });
  }

  /** Waits until no request is left on the named (retired) upstreams. */
  async drained(names: string[], timeoutMs: number): Promise<void> {
    await this.until(timeoutMs, `requests on ${names.join(', ')} to finish`, (h) =>
      names.every((n) => !h.draining?.some((d) => d.name === n)),
    );
  }

  private async until(timeoutMs: number, what: string, done: (h: GatewayHealth) => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    for (;;) {
      try {
        // No retry here: this loop polls until its own deadline.
        const res = await httpRequest(`${this.url}/health`, { timeoutMs: 3000, retry: 'none' });
        const body = await res.json().catch(() => undefined);
        if (done((body ?? {}) as GatewayHealth)) return;
        last = JSON.stringify(body);
      } catch (error) {
        // No answer yet (the gateway restarting): poll again; anything else is a bug to report.
        if (!(error instanceof HttpError)) throw error;
        last = error.message;
      }
      if (Date.now() > deadline) {
        throw new OpsError(`timed out after ${timeoutMs} ms waiting for ${what}`, {
          hint: `the gateway's /health said: ${last.slice(0, 400)}`,
        });
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }
}
