import { parse } from 'yaml';
import type { EngineEntry } from '../../src/plan/types.js';

/** One provisioned host and the Plan `ops setup` wrote there. */
export interface HostPlan {
  host: string;
  address: string;
  planYaml: string;
}

/**
 * The gateway's Plan for a fleet: every container engine of every host, renamed `<host>-<entry>` and pointed at
 * the host's address; aliases kept, so the gateway routes by alias across hosts. External entries are kept once.
 * The hosts' engines must listen beyond loopback (their Plan's `host`) for the gateway to reach them.
 */
export function fleetGatewayPlan(
  hosts: readonly HostPlan[],
  deployment: string,
  port: number,
): Record<string, unknown> {
  const engines: EngineEntry[] = [];
  const seenExternal = new Set<string>();
  const aliases: Record<string, string> = {};
  for (const h of hosts) {
    const doc = parse(h.planYaml) as {
      engines?: EngineEntry[];
      gateway?: { aliases?: Record<string, string> };
    };
    for (const entry of doc.engines ?? []) {
      if (entry.engine === 'external') {
        if (!seenExternal.has(entry.name)) engines.push(entry);
        seenExternal.add(entry.name);
        continue;
      }
      engines.push({ ...entry, name: `${h.host}-${entry.name}`, host: h.address });
    }
    for (const [alias, target] of Object.entries(doc.gateway?.aliases ?? {})) {
      aliases[alias] ??= seenExternal.has(target) ? target : `${h.host}-${target}`;
    }
  }
  return { version: 1, deployment, engines, gateway: { enabled: true, host: '0.0.0.0', port, aliases } };
}
