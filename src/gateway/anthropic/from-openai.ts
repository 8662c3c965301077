import { randomBytes } from 'node:crypto';
import { withCachedPromptTokens } from '../cached-prompt-tokens.js';
import type { ChatCompletion, ChatUsage } from '../openai/types.js';
import type { MessageResponse, StopReason, ToolUseBlock, Usage } from './types.js';

/** Anthropic-style ids (`msg_…`, `toolu_…`) for what the upstream did not name. */
export function newId(prefix: 'msg' | 'toolu'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/**
 * OpenAI finish_reason → Anthropic stop_reason. OpenAI does not say which stop string matched; vLLM does
 * (`stop_reason` on the choice), so a string there means `stop_sequence`.
 */
export function toStopReason(
  finishReason: string | null | undefined,
  matchedStop: string | number | null | undefined,
  hadToolCalls: boolean,
): { stopReason: StopReason; stopSequence: string | null } {
  if (hadToolCalls || finishReason === 'tool_calls' || finishReason === 'function_call') {
    return { stopReason: 'tool_use', stopSequence: null };
  }
  if (finishReason === 'length') return { stopReason: 'max_tokens', stopSequence: null };
  if (typeof matchedStop === 'string') return { stopReason: 'stop_sequence', stopSequence: matchedStop };
  return { stopReason: 'end_turn', stopSequence: null };
}

/** OpenAI usage → Anthropic usage; cached prompt tokens are reported as cache reads, as Anthropic does. */
export function toUsage(
  usage: ChatUsage | null | undefined,
  fallbackInputTokens: number,
  fallbackOutputTokens: number,
): Usage {
  if (!usage) return { input_tokens: fallbackInputTokens, output_tokens: fallbackOutputTokens };
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const out: Usage = { input_tokens: usage.prompt_tokens - cached, output_tokens: usage.completion_tokens };
  if (cached > 0) out.cache_read_input_tokens = cached;
  return out;
}

/** Tool arguments arrive as JSON text; a model that wrote invalid JSON gets its text kept under `_raw`. */
export function parseToolArguments(text: string): unknown {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : { _raw: text };
  } catch {
    return { _raw: text };
  }
}

/**
 * A complete OpenAI chat completion → an Anthropic message. Reasoning text (`reasoning_content`) is dropped,
 * consistently with thinking blocks being dropped from requests and streams.
 */
export function chatCompletionToMessage(
  completion: ChatCompletion,
  requestedModel: string,
  promptTokens: number,
): MessageResponse {
  const choice = completion.choices?.[0];
  const content: MessageResponse['content'] = [];
  const text = choice?.message?.content;
  if (typeof text === 'string' && text.length > 0) content.push({ type: 'text', text });
  const toolCalls = choice?.message?.tool_calls ?? [];
  for (const call of toolCalls) {
    const block: ToolUseBlock = {
      type: 'tool_use',
      id: call.id || newId('toolu'),
      name: call.function.name,
      input: parseToolArguments(call.function.arguments ?? ''),
    };
    content.push(block);
  }
  const { stopReason, stopSequence } = toStopReason(
    choice?.finish_reason,
    choice?.stop_reason,
    toolCalls.length > 0,
  );
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model: requestedModel,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage: toUsage(
      withCachedPromptTokens(completion.usage, completion.timings),
      promptTokens,
      Math.ceil(Buffer.byteLength(text ?? '') / 4),
    ),
  };
}
