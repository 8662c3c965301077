import { HttpError, type HttpFailureKind } from '../../http/http-errors.js';
import { slotContextTokens } from '../context-limits.js';
import { GatewayError } from '../gateway-error.js';
import type { UpstreamDescriptor } from '../types.js';
import type { Upstream } from '../upstream-pool.js';
import { AnthropicCloud } from './anthropic-cloud.js';
import { CloudBudget } from './cloud-budget.js';
import { decideTarget, type Target } from './decide-target.js';
import type { ResolvedCloud } from './hybrid-options.js';
import type { TaskFacts } from './task-rules.js';

/** Name under which cloud traffic appears in usage records and metrics. */
export const CLOUD_UPSTREAM_NAME = 'cloud';

/**
 * The stateful half of the hybrid policy: which side was seen down and until when, the weekly budget, the
 * cloud client. Each request asks `decide`, then reports what happened (`markDown`, `recordCloudUsage`).
 */
export class HybridRouter {
  readonly cloud: AnthropicCloud;
  readonly budget: CloudBudget;
  private readonly largestLocalContext: number;
  private readonly downUntil = new Map<string, number>();

  constructor(
    readonly options: ResolvedCloud,
    locals: readonly UpstreamDescriptor[],
    private readonly now: () => number = Date.now,
  ) {
    this.cloud = new AnthropicCloud(options.baseUrl, options.apiKey, options.anthropicVersion);
    this.budget = new CloudBudget(options.weeklyCap, now);
    this.largestLocalContext = Math.max(0, ...locals.map((u) => slotContextTokens(u)));
  }

  get mode(): ResolvedCloud['mode'] {
    return this.options.mode;
  }

  /**
   * Local or cloud for a request routed to `local` with a prompt of `promptTokens`; `task` (what the request
   * is) lets the Plan's task rules decide.
   */
  decide(local: Upstream, promptTokens: number, task?: Omit<TaskFacts, 'promptTokens'>): Target {
    return decideTarget({
      mode: this.options.mode,
      localDown: this.isDown(local.name),
      localQueued: local.queue.queuedCount(),
      overflowQueueDepth: this.options.overflowQueueDepth,
      promptTokens,
      largestLocalContext: this.largestLocalContext,
      cloudDown: this.isDown(CLOUD_UPSTREAM_NAME),
      budgetSpent: this.budget.spent(),
      rules: this.options.rules,
      ...(task ? { task: { ...task, promptTokens } } : {}),
    });
  }

  /** Skips `name` (a local upstream or the cloud) for the configured time. */
  markDown(name: string): void {
    this.downUntil.set(name, this.now() + this.options.retryDownAfterMs);
  }

  isDown(name: string): boolean {
    const until = this.downUntil.get(name);
    if (until === undefined) return false;
    if (this.now() < until) return true;
    this.downUntil.delete(name);
    return false;
  }

  /** The model id to ask the cloud for: Claude names pass as they are, local aliases become the default. */
  cloudModel(requested: string): string {
    return requested.startsWith('claude-') ? requested : this.options.defaultModel;
  }

  close(): void {
    this.cloud.close();
  }
}

/** HTTP-layer failures that mean nothing answers there (a timeout waiting for an answer is an overload). */
const UNREACHABLE: ReadonlySet<HttpFailureKind> = new Set([
  'refused',
  'unresolved',
  'unreachable',
  'reset',
  'connect-timeout',
]);

/**
 * Whether an error means the other side cannot be reached at all (as opposed to refusing this request): an
 * `upstream` GatewayError caused by a connection that could not be made or was dropped. A local engine that did
 * not accept a connection in time is an `overloaded` error instead (the client retries it), so not this.
 */
export function isUnreachable(error: unknown): boolean {
  return (
    error instanceof GatewayError &&
    error.kind === 'upstream' &&
    error.cause instanceof HttpError &&
    UNREACHABLE.has(error.cause.kind)
  );
}
