import type { ProbeTargetConfig } from '../config/ops-config.js';
import type { Plan } from '../plan/types.js';
import type { ProbeTarget } from './http-probe.js';

/** Wildcard binds are probed on loopback. */
const reachable = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

/**
 * What the agent probes: the Plan's gateway (`gateway`, its `/health`, up while any engine is) and each engine
 * container by its entry name (`/health`, which llama-server and vLLM both serve), then the configured extra
 * targets. Cloud (`external`) entries are not probed: their outages are not this box's downtime.
 */
export function probeTargetsFor(plan: Plan | undefined, extra: readonly ProbeTargetConfig[]): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  // Only a Plan with a gateway section runs one: probing a gateway that was never meant to exist would count
  // as downtime.
  const g = plan?.gateway;
  if (g?.enabled) targets.push({ name: 'gateway', url: `http://${reachable(g.host)}:${g.port}/health` });
  for (const entry of plan?.engines ?? []) {
    if (entry.engine === 'external') continue;
    targets.push({ name: entry.name, url: `http://${reachable(entry.host)}:${entry.port}/health` });
  }
  for (const t of extra) {
    const same = targets.findIndex((x) => x.name === t.name);
    if (same >= 0) targets[same] = t;
    else targets.push(t);
  }
  return targets;
}
