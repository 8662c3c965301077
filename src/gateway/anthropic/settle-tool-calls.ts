import { randomBytes } from 'node:crypto';
import type { ChatTool } from '../openai/types.js';
import { extractTextToolCalls } from './text-tool-calls.js';
import { toolInput } from './tool-arguments.js';
import type { AssembledToolCall } from './tool-call-assembler.js';
import type { ToolUseBlock } from './types.js';

/** Anthropic-style ids (`msg_…`, `toolu_…`) for what the upstream did not name. */
export function newId(prefix: 'msg' | 'toolu'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** What the end of an answer comes to: text still to show, and the tool calls to run. */
export interface SettledAnswer {
  text: string;
  toolUses: ToolUseBlock[];
}

/**
 * Decides an answer's tool calls once it has ended, the same way for streamed and complete answers: the
 * calls the upstream sent as `tool_calls`, then any it wrote as text (only when the request offered tools,
 * and only when every one reads unambiguously), with their arguments parsed by `parseToolArguments`.
 * A call cut off by the output limit (`finish_reason: "length"`) is not run with half its arguments: it
 * becomes a note in the text, and the answer ends as `max_tokens`.
 */
export function settleToolCalls(input: {
  structured: readonly AssembledToolCall[];
  /** Text held back because it may hold text-form calls (all of a complete answer's text). */
  heldText: string;
  tools: readonly ChatTool[] | undefined;
  finishReason: string | null | undefined;
  /** Whether text was already sent before the held text (a stream's live text). */
  textBefore?: boolean;
}): SettledAnswer {
  let text = input.heldText;
  const calls: AssembledToolCall[] = [...input.structured];
  const fromText = extractTextToolCalls(text, input.tools);
  if (fromText) {
    text = fromText.text;
    calls.push(...fromText.calls.map((c) => ({ id: undefined, ...c })));
  }
  if (input.finishReason === 'length' && calls.length > 0) {
    const names = calls.map((c) => c.name ?? 'unnamed').join(', ');
    const note = `[tool call ${names} cut off at the output token limit; not run]`;
    return { text: text || input.textBefore ? `${text}\n${note}` : note, toolUses: [] };
  }
  return {
    text,
    toolUses: calls.map((c) => ({
      type: 'tool_use',
      id: c.id || newId('toolu'),
      name: c.name ?? 'unknown_tool',
      input: toolInput(c.arguments),
    })),
  };
}
