import type { HybridMode } from './hybrid-options.js';
import { firstMatchingRule, type TaskFacts, type TaskRule } from './task-rules.js';

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
  /** The Plan's task rules, and what this request is (absent: no rule applies). */
  rules?: readonly TaskRule[];
  task?: TaskFacts;
}

export type TargetReason =
  | 'local-only'
  | 'local-preferred'
  | 'local-down'
  | 'local-overloaded'
  | 'prompt-exceeds-local'
  | 'cloud-preferred'
  | 'cloud-down'
  | 'cloud-budget-spent'
  | 'task-rule'
  /** Work under a capacity lease: it holds local slots, so it stays local (set by the handler, not decided here). */
  | 'leased';

export interface Target {
  target: 'local' | 'cloud';
  reason: TargetReason;
  /** The task rule that decided (reason `task-rule`), or that was overridden because its side could not take it. */
  rule?: string;
}

/**
 * Picks local or cloud for one request. Pure: the handler gathers the inputs and acts on the answer.
 * Order: a side that cannot take the request is never chosen (cloud down or its cap spent; local down or the
 * prompt larger than any local context); then the first matching task rule; then the mode's preference, with
 * local-first overflowing to the cloud when the local queue is full. A rule that keeps work local still
 * overflows when local is full, rather than refuse it.
 */
export function decideTarget(s: TargetInputs): Target {
  if (s.mode === 'local-only') return { target: 'local', reason: 'local-only' };
  const rule = s.rules && s.task ? firstMatchingRule(s.rules, s.task) : undefined;
  const ruleName = rule ? { rule: rule.name } : {};
  // The cloud cannot take it: local is the only chance, whatever the mode or a rule prefers.
  if (s.cloudDown) return { target: 'local', reason: 'cloud-down', ...ruleName };
  if (s.budgetSpent) return { target: 'local', reason: 'cloud-budget-spent', ...ruleName };
  if (s.mode === 'cloud-first' && !rule) return { target: 'cloud', reason: 'cloud-preferred' };
  if (s.localDown) return { target: 'cloud', reason: 'local-down', ...ruleName };
  if (s.promptTokens > s.largestLocalContext)
    return { target: 'cloud', reason: 'prompt-exceeds-local', ...ruleName };
  const overloaded = s.localQueued >= s.overflowQueueDepth;
  if (rule?.route === 'cloud') return { target: 'cloud', reason: 'task-rule', rule: rule.name };
  if (rule?.route === 'local')
    return overloaded
      ? { target: 'cloud', reason: 'local-overloaded', rule: rule.name }
      : { target: 'local', reason: 'task-rule', rule: rule.name };
  if (overloaded) return { target: 'cloud', reason: 'local-overloaded' };
  return { target: 'local', reason: 'local-preferred' };
}
