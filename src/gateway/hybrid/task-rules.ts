/**
 * Routing by what a request is, not only by where there is room: rules from the Plan's `gateway.cloud.rules`
 * (src/plan/types.ts), tried in order; the first whose every condition holds decides. Pure.
 */

/** The kinds of task the eval measures separately (src/eval: the code suites and the tool-use suite). */
export type TaskKind = 'code' | 'tool-use';

/** Claude Code's model tiers, from the model name it asks for. */
export type ClaudeTier = 'opus' | 'sonnet' | 'haiku';

/** What a rule may look at. */
export interface TaskFacts {
  /** The Claude tier of the requested model, if it names one. */
  tier: ClaudeTier | undefined;
  promptTokens: number;
  /** Tool calls answered since the user last wrote (how deep into an agent loop this turn is). */
  toolLoopDepth: number;
  kind: TaskKind;
  /** The local model's measured eval pass rate (0..1) for this kind of task, when an eval has run. */
  localPassRate: number | undefined;
}

/** Conditions of a rule; every one given must hold. */
export interface TaskRuleConditions {
  tier?: readonly ClaudeTier[];
  promptTokensAbove?: number;
  toolLoopDepthAbove?: number;
  taskKind?: readonly TaskKind[];
  /** Holds when the local model's eval pass rate for this kind of task is below this (never when none is known). */
  localPassRateBelow?: number;
}

/** One rule: a name (recorded with every request it decides), conditions, and where they send the request. */
export interface TaskRule {
  name: string;
  when: TaskRuleConditions;
  route: 'local' | 'cloud';
}

/** Whether every condition of `when` holds for the task. A rule with no conditions matches everything. */
export function ruleMatches(when: TaskRuleConditions, task: TaskFacts): boolean {
  if (when.tier && (task.tier === undefined || !when.tier.includes(task.tier))) return false;
  if (when.promptTokensAbove !== undefined && !(task.promptTokens > when.promptTokensAbove)) return false;
  if (when.toolLoopDepthAbove !== undefined && !(task.toolLoopDepth > when.toolLoopDepthAbove)) return false;
  if (when.taskKind && !when.taskKind.includes(task.kind)) return false;
  if (
    when.localPassRateBelow !== undefined &&
    (task.localPassRate === undefined || !(task.localPassRate < when.localPassRateBelow))
  )
    return false;
  return true;
}

/** The first rule that matches, if any. */
export function firstMatchingRule(rules: readonly TaskRule[], task: TaskFacts): TaskRule | undefined {
  return rules.find((r) => ruleMatches(r.when, task));
}
