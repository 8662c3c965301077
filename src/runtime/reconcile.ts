import { LABEL } from '../core/labels.js';
import type { ContainerSpec } from '../engines/types.js';
import type { ManagedContainer } from './container-runtime.js';

export interface DesiredContainer {
  name: string;
  spec: ContainerSpec;
  hash: string;
  /** Where `up` checks it answers: base URL, path that returns 200 when ready, and how long to wait. */
  health: { url: string; path: string; timeoutS: number };
}

/** What `up` does to one container. */
export type ReconcileAction =
  | { kind: 'create'; desired: DesiredContainer }
  | { kind: 'reuse'; desired: DesiredContainer; existing: ManagedContainer }
  | { kind: 'start'; desired: DesiredContainer; existing: ManagedContainer }
  | { kind: 'replace'; desired: DesiredContainer; existing: ManagedContainer }
  | { kind: 'remove'; existing: ManagedContainer; reason: string };

/**
 * Pure: compares what the Plan wants with what runs (containers labelled for this deployment). Same hash and
 * running → reuse; same hash but stopped → start; different hash → replace; labelled but not in the Plan → remove.
 */
export function reconcile(desired: DesiredContainer[], existing: ManagedContainer[]): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  const byName = new Map<string, ManagedContainer[]>();
  for (const c of existing) {
    const name = c.labels[LABEL.name] ?? c.name;
    byName.set(name, [...(byName.get(name) ?? []), c]);
  }
  for (const want of desired) {
    const [first, ...extra] = byName.get(want.name) ?? [];
    byName.delete(want.name);
    for (const dup of extra) actions.push({ kind: 'remove', existing: dup, reason: 'duplicate' });
    if (!first) actions.push({ kind: 'create', desired: want });
    else if (first.labels[LABEL.configHash] !== want.hash)
      actions.push({ kind: 'replace', desired: want, existing: first });
    else if (first.state === 'running' && first.health !== 'unhealthy') {
      actions.push({ kind: 'reuse', desired: want, existing: first });
    } else actions.push({ kind: 'start', desired: want, existing: first });
  }
  for (const leftovers of byName.values()) {
    for (const c of leftovers) actions.push({ kind: 'remove', existing: c, reason: 'no longer in the Plan' });
  }
  return actions;
}
