import { withCachedPromptTokens } from '../cached-prompt-tokens.js';
import type { ChatCompletion, ChatTool, ChatUsage } from '../openai/types.js';
import { newId, settleToolCalls } from './settle-tool-calls.js';
import type { ThinkingSigner } from './thinking-signature.js';
import { ToolCallAssembler } from './tool-call-assembler.js';
import type { MessageResponse, StopReason, Usage } from './types.js';

export { newId } from './settle-tool-calls.js';

/**
 * OpenAI finish_reason → Anthropic stop_reason. `tool_use` only when the answer carries tool calls to run
 * (a `tool_calls` finish with none left would leave Claude Code waiting for results it cannot produce); an
 * answer cut by the limit is `max_tokens` even mid tool call. OpenAI does not say which stop string matched;
 * vLLM does (`stop_reason` on the choice), so a string there means `stop_sequence`.
 */
export function toStopReason(
  finishReason: string | null | undefined,
  matchedStop: string | number | null | undefined,
  hasToolUses: boolean,
): { stopReason: StopReason; stopSequence: string | null } {
  if (finishReason === 'length') return { stopReason: 'max_tokens', stopSequence: null };
  if (hasToolUses) return { stopReason: 'tool_use', stopSequence: null };
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

/** A message's or delta's reasoning text: llama.cpp and vLLM say `reasoning_content`, gpt-oss `reasoning`. */
export function reasoningOf(
  m: { reasoning_content?: string | null; reasoning?: string | null } | undefined,
): string {
  const r = m?.reasoning_content ?? m?.reasoning;
  return typeof r === 'string' ? r : '';
}

/**
 * A complete OpenAI chat completion → an Anthropic message. Reasoning (Qwen3 thinking, DeepSeek-R1,
 * gpt-oss) becomes a signed thinking block first, when a signer is given.
 */
export function chatCompletionToMessage(
  completion: ChatCompletion,
  requestedModel: string,
  promptTokens: number,
  options: {
    /** The tools the request offered: only then is text read for text-form tool calls. */
    tools?: readonly ChatTool[] | undefined;
    /** Returns the model's reasoning as a signed thinking block; without it reasoning is dropped. */
    signer?: ThinkingSigner | undefined;
  } = {},
): MessageResponse {
  const choice = completion.choices?.[0];
  const content: MessageResponse['content'] = [];
  const raw = choice?.message?.content;
  const text = typeof raw === 'string' ? raw : '';
  const assembler = new ToolCallAssembler();
  // Each entry of a complete message is its own call, whatever index or id the server gave it.
  const calls: unknown = choice?.message?.tool_calls;
  if (Array.isArray(calls)) {
    calls.forEach((call, i) => {
      if (call && typeof call === 'object') assembler.add({ ...call, index: i });
    });
  }
  const settled = settleToolCalls({
    structured: assembler.result(),
    heldText: text,
    tools: options.tools,
    finishReason: choice?.finish_reason,
  });
  const reasoning = reasoningOf(choice?.message);
  if (options.signer && reasoning)
    content.push({ type: 'thinking', thinking: reasoning, signature: options.signer.sign(reasoning) });
  if (settled.text.length > 0) content.push({ type: 'text', text: settled.text });
  content.push(...settled.toolUses);
  const { stopReason, stopSequence } = toStopReason(
    choice?.finish_reason,
    choice?.stop_reason,
    settled.toolUses.length > 0,
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
      Math.ceil(Buffer.byteLength(text) / 4),
    ),
  };
}
