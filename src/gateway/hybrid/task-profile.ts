import type { MessagesRequest } from '../anthropic/types.js';
import type { ClaudeTier, TaskFacts, TaskKind } from './task-rules.js';

/**
 * What kind of request a Messages request is, for the task rules: its Claude tier, how many tool results
 * came back since the user last wrote, and whether it is tool use (tools offered) or plain code work.
 * Prompt size and the local pass rate come from elsewhere (the token count, the eval facts).
 */
export function profileTask(request: MessagesRequest): Omit<TaskFacts, 'promptTokens' | 'localPassRate'> {
  return { tier: tierOf(request.model), toolLoopDepth: toolLoopDepth(request), kind: kindOf(request) };
}

function tierOf(model: string): ClaudeTier | undefined {
  const lower = model.toLowerCase();
  if (!lower.startsWith('claude')) return undefined;
  for (const tier of ['opus', 'sonnet', 'haiku'] as const) if (lower.includes(tier)) return tier;
  return undefined;
}

function kindOf(request: MessagesRequest): TaskKind {
  return request.tools && request.tools.length > 0 ? 'tool-use' : 'code';
}

/**
 * Tool results in user turns after the last user turn that carries no tool result (the user's own words):
 * one per tool call answered in this loop.
 */
function toolLoopDepth(request: MessagesRequest): number {
  let depth = 0;
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i]!;
    if (m.role !== 'user') continue;
    const blocks = typeof m.content === 'string' ? [] : m.content;
    const results = blocks.filter((b) => b.type === 'tool_result').length;
    if (results === 0) break;
    depth += results;
  }
  return depth;
}
