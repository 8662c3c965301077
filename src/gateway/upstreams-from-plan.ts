import { OpsError } from '../core/errors.js';
import type { EngineEntry, Plan } from '../plan/types.js';
import type { RouteLocation, UpstreamDescriptor } from './types.js';

/**
 * The gateway's upstreams for a Plan: containers at `http://<host>:<port>/v1`, external entries at their
 * `baseUrl` with the key read from the variable named by `apiKeyEnv`. Pure: the environment is passed in.
 */
export function upstreamsFromPlan(plan: Plan, env: NodeJS.ProcessEnv = {}): UpstreamDescriptor[] {
  return plan.engines.map((entry) => upstreamFromEntry(entry, env));
}

function upstreamFromEntry(entry: EngineEntry, env: NodeJS.ProcessEnv): UpstreamDescriptor {
  const common = {
    name: entry.name,
    aliases: entry.aliases,
    contextLength: entry.contextLength,
    parallel: entry.parallel,
    engine: entry.engine,
    ...(entry.engine !== 'external' && entry.replicaOf ? { replicaOf: entry.replicaOf } : {}),
  };
  switch (entry.engine) {
    case 'llama.cpp':
      return {
        ...common,
        baseUrl: `http://${urlHost(entry.host)}:${entry.port}/v1`,
        // llama-server serves whatever model it loaded under any name; the entry name keeps logs readable.
        upstreamModel: entry.name,
        // A multimodal projector is what gives llama.cpp vision (llama.cpp docs/multimodal.md).
        vision: entry.args.includes('--mmproj') || entry.args.includes('-mm'),
        location: 'local',
        ...(entry.toolCalls ? { toolCalls: entry.toolCalls } : {}),
      };
    case 'vllm':
      return {
        ...common,
        baseUrl: `http://${urlHost(entry.host)}:${entry.port}/v1`,
        upstreamModel: entry.servedModelName ?? entry.name,
        vision: false,
        location: 'local',
      };
    case 'external': {
      const apiKey = entry.apiKeyEnv ? env[entry.apiKeyEnv] : undefined;
      if (entry.apiKeyEnv && !apiKey) {
        throw new OpsError(`engine ${entry.name} needs an API key in $${entry.apiKeyEnv}, which is not set`, {
          hint: `export ${entry.apiKeyEnv}=… before starting the gateway, or remove apiKeyEnv from the Plan entry`,
          exitCode: 2,
        });
      }
      return {
        ...common,
        baseUrl: entry.baseUrl.replace(/\/+$/, ''),
        upstreamModel: entry.upstreamModel ?? entry.name,
        ...(apiKey ? { apiKey } : {}),
        vision: false,
        location: locationOf(entry.baseUrl),
      };
    }
  }
}

/** Loopback URLs are local even when the Plan calls them external (a server the user started by hand). */
export function locationOf(baseUrl: string): RouteLocation {
  const host = new URL(baseUrl).hostname;
  return isLoopbackHost(host) ? 'local' : 'cloud';
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function urlHost(host: string): string {
  // A container bound to all interfaces is reached on loopback from the gateway on the same host.
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
