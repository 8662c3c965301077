import type { HybridMode } from './hybrid-options.js';

/** What the hybrid decision sees about one request and the world at that moment. */
export interface TargetInputs {
  mode: HybridMode;
  /** The routed local upstream refused connections recently (or answered 503). */
  localDown: boolean;
  /** Requests already waiting for a slot of the routed local upstream. */
  localQueued: number;
  overflowQueueDepth: number;
  /** Prompt tokens (counted or estimated; above the routed slot when it did not fit). */
  promptTokens: number;
  /** The largest per-request context of any local upstream. */
  largestLocalContext: number;
  /** The cloud refused connections recently. */
  cloudDown: boolean;
  /** The weekly cap is reached. */
  budgetSpent: boolean;
}

export type TargetReason =
  | 'local-only'
  | 'local-preferred'
  | 'local-down'
  | 'local-overloaded'
  | 'prompt-exceeds-local'
  | 'cloud-preferred'
  | 'cloud-down'
  | 'cloud-budget-spent';

export interface Target {
  target: 'local' | 'cloud';
  reason: TargetReason;
}

/** Picks local or cloud for one request. Pure: the handler gathers the inputs and acts on the answer. */
export function decideTarget(s: TargetInputs): Target {
  if (s.mode === 'local-only') return { target: 'local', reason: 'local-only' };
  // The cloud cannot take it: local is the only chance, whatever the mode prefers.
  if (s.cloudDown) return { target: 'local', reason: 'cloud-down' };
  if (s.budgetSpent) return { target: 'local', reason: 'cloud-budget-spent' };
  if (s.mode === 'cloud-first') return { target: 'cloud', reason: 'cloud-preferred' };
  if (s.localDown) return { target: 'cloud', reason: 'local-down' };
  if (s.promptTokens > s.largestLocalContext) return { target: 'cloud', reason: 'prompt-exceeds-local' };
  if (s.localQueued >= s.overflowQueueDepth) return { target: 'cloud', reason: 'local-overloaded' };
  return { target: 'local', reason: 'local-preferred' };
}
