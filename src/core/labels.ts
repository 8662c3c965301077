/**
 * Labels on everything ops creates. `up` reuses by config hash, `down` and tests remove by label, never by name.
 */
export const LABEL = {
  managed: 'ops.managed',
  deployment: 'ops.deployment',
  role: 'ops.role',
  name: 'ops.name',
  engine: 'ops.engine',
  configHash: 'ops.config-hash',
  url: 'ops.url',
  /** On the agent: the state directory ($OPS_HOME) whose ledger it writes; one agent per ledger. */
  stateDir: 'ops.state-dir',
} as const;

export type Role = 'engine' | 'gateway' | 'monitoring' | 'agent' | 'job';

export function baseLabels(deployment: string, role: Role, name: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.deployment]: deployment, [LABEL.role]: role, [LABEL.name]: name };
}

/** Container name for an entry: stable, so `ops logs NAME` and people can find it. */
export function containerName(deployment: string, name: string): string {
  return `ops-${deployment}-${name}`;
}

/** Labels of an engine container: ownership, its engine kind, and the URL clients on this host reach it at. */
export function engineLabels(
  deployment: string,
  name: string,
  engine: string,
  url: string,
): Record<string, string> {
  return { ...baseLabels(deployment, 'engine', name), [LABEL.engine]: engine, [LABEL.url]: url };
}
