import { GatewayError } from './gateway-error.js';
import { buildAliasTable, type ClaudeTierRule, claudeTierOf, DEFAULT_CLAUDE_TIERS } from './model-aliases.js';
import { shown } from './shape-check.js';
import type { Priority, UpstreamDescriptor } from './types.js';

/** Where a request goes, and why (kept for logs and tests). */
export interface Route {
  upstream: string;
  priority: Priority;
  reason: 'alias' | 'claude-tier' | 'claude-fallback' | 'fallback' | 'policy';
}

/** What a policy sees: the requested model and the route the alias table chose (if any). */
export interface RouteRequest {
  model: string;
  /** Priority asked for by the client (`x-ops-priority` header), if any. */
  priority?: Priority;
  /** The conversation the request belongs to, so it stays on one data-parallel copy (replica-balancer.ts). */
  session?: string;
}

/**
 * A routing policy may override the table's choice, e.g. cloud fallback when local queues are full. It
 * returns undefined to keep the route it was given. Policies run in order; the first to change it wins.
 */
export type RoutePolicy = (request: RouteRequest, route: Route | undefined) => Route | undefined;

export interface RouterOptions {
  gatewayAliases?: Readonly<Record<string, string>>;
  claudeTiers?: readonly ClaudeTierRule[];
  /** Upstream for models nobody knows; without it unknown models are a not_found_error. */
  fallbackUpstream?: string;
  policies?: readonly RoutePolicy[];
  /** Picks one data-parallel copy of a routed upstream (replica-balancer.ts); default: the first. */
  pickReplica?: (members: readonly string[], session: string | undefined) => string;
}

/** Model name → upstream. Pure: built once from descriptors, then only looked up. */
export class ModelRouter {
  readonly table: ReadonlyMap<string, string>;
  private readonly tiers: readonly ClaudeTierRule[];
  private readonly firstUpstream: string | undefined;
  private readonly fallbackUpstream: string | undefined;
  private readonly policies: readonly RoutePolicy[];
  /** First entry → it and its data-parallel copies, in Plan order. */
  readonly replicaGroups: ReadonlyMap<string, readonly string[]>;
  private readonly pickReplica: RouterOptions['pickReplica'];

  constructor(upstreams: readonly UpstreamDescriptor[], options: RouterOptions = {}) {
    this.table = buildAliasTable(upstreams, options.gatewayAliases);
    this.replicaGroups = replicaGroupsOf(upstreams);
    this.pickReplica = options.pickReplica;
    this.tiers = options.claudeTiers ?? DEFAULT_CLAUDE_TIERS;
    this.firstUpstream = upstreams[0]?.name;
    this.fallbackUpstream = options.fallbackUpstream;
    this.policies = options.policies ?? [];
  }

  /** Routes a model name; throws a not_found GatewayError when nothing matches and there is no fallback. */
  route(request: RouteRequest): Route {
    let route = this.routeByTable(request);
    for (const policy of this.policies) {
      const changed = policy(request, route);
      if (changed) {
        route = changed;
        break;
      }
    }
    if (!route) {
      throw new GatewayError(
        'not_found',
        `model ${shown(request.model)} is not served here; known models: ${[...this.table.keys()].join(', ')}`,
      );
    }
    const members = this.replicaGroups.get(route.upstream);
    if (members && this.pickReplica)
      return { ...route, upstream: this.pickReplica(members, request.session) };
    return route;
  }

  private routeByTable(request: RouteRequest): Route | undefined {
    const interactive = request.priority ?? 'interactive';
    const direct = this.table.get(request.model);
    if (direct) return { upstream: direct, priority: interactive, reason: 'alias' };
    const tier = claudeTierOf(request.model, this.tiers);
    if (tier) {
      const priority = request.priority ?? tier.priority;
      const viaAlias = this.table.get(tier.alias);
      if (viaAlias) return { upstream: viaAlias, priority, reason: 'claude-tier' };
      if (this.firstUpstream) return { upstream: this.firstUpstream, priority, reason: 'claude-fallback' };
    }
    if (this.fallbackUpstream)
      return { upstream: this.fallbackUpstream, priority: interactive, reason: 'fallback' };
    return undefined;
  }

  /** Every model name a client may ask for (for `GET /v1/models`). */
  modelIds(): string[] {
    return [...this.table.keys()];
  }
}

/** Groups each upstream with its data-parallel copies (`replicaOf`); copies of an unknown upstream stay alone. */
export function replicaGroupsOf(upstreams: readonly UpstreamDescriptor[]): Map<string, string[]> {
  const names = new Set(upstreams.map((u) => u.name));
  const groups = new Map<string, string[]>();
  for (const u of upstreams) {
    if (!u.replicaOf || !names.has(u.replicaOf)) continue;
    const group = groups.get(u.replicaOf) ?? [u.replicaOf];
    group.push(u.name);
    groups.set(u.replicaOf, group);
  }
  return groups;
}
