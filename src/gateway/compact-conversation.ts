import type { ChatContentPart, ChatMessage } from './openai/types.js';

/** What a compaction did, for the metrics and the usage record. */
export interface Compaction {
  messages: ChatMessage[];
  /** Tool results replaced by a marker. */
  elidedToolResults: number;
  /** Whole messages from the middle of the conversation replaced by one marker. */
  elidedMessages: number;
}

/** Tool results shorter than this are left alone: eliding them saves little and loses what the model did. */
const SMALL_TOOL_RESULT_CHARS = 300;
/** How much of the conversation's first user message the marker quotes, so the model keeps the task. */
const TASK_QUOTE_CHARS = 1500;

/**
 * Shrinks a conversation that no longer fits a slot's context, the way a person would summarise it, but
 * without a model: first the oldest tool results (file contents, command output) outside the latest turn
 * are replaced by a marker saying what was there; then, if that is not enough, the middle turns go,
 * replaced by one marker that says how many messages were elided and quotes the start of the task. The
 * system prompt and the recent turns are kept whole. A kept tail always starts at a user turn, so every
 * assistant tool call kept still has its tool results after it (chat templates and engines refuse
 * orphans). Claude Code believes the window is 200K tokens and never compacts ahead of a local 32K one
 * (DESIGN.md §4); this keeps its session going. Returns undefined when nothing could be elided.
 *
 * `tokensOf` counts a candidate list of messages (the estimate; the caller counts the result exactly).
 */
export function compactConversation(
  messages: readonly ChatMessage[],
  targetTokens: number,
  tokensOf: (messages: ChatMessage[]) => number,
  contextTokens: number,
): Compaction | undefined {
  const out = messages.map((m) => ({ ...m })) as ChatMessage[];
  const recent = turnStartAtOrBefore(out, out.length - KEEP_RECENT_MESSAGES);
  let elidedToolResults = 0;
  for (let i = 0; i < recent && tokensOf(out) > targetTokens; i++) {
    const m = out[i]!;
    if (m.role !== 'tool' || m.content.length < SMALL_TOOL_RESULT_CHARS) continue;
    out[i] = {
      ...m,
      content: `[ops gateway: this tool result (${m.content.length} characters) was elided to fit the local model's context of ${contextTokens} tokens; run the tool again if it is still needed]`,
    };
    elidedToolResults++;
  }
  let result: ChatMessage[] = out;
  let elidedMessages = 0;
  if (tokensOf(out) > targetTokens) {
    const head = out[0]?.role === 'system' ? 1 : 0;
    const task = firstUserText(out.slice(head));
    // The longest tail that fits; when none does, the request will be refused anyway and the task is kept.
    for (const start of turnStarts(out).filter((s) => s > head)) {
      const marker =
        `[ops gateway: ${start - head} earlier messages of this conversation were elided to fit the local ` +
        `model's context of ${contextTokens} tokens.${task ? ` The conversation began with: "${task}"` : ''}]`;
      const first = out[start]!;
      const joined: ChatMessage[] =
        first.role === 'user' ? [withPrefix(first, marker)] : [{ role: 'user', content: marker }, first];
      const candidate = [...out.slice(0, head), ...joined, ...out.slice(start + 1)];
      if (tokensOf(candidate) <= targetTokens) {
        result = candidate;
        elidedMessages = start - head;
        break;
      }
    }
  }
  if (elidedToolResults === 0 && elidedMessages === 0) return undefined;
  return { messages: result, elidedToolResults, elidedMessages };
}

/** Recent messages whose tool results are never elided: the model is working with them. */
const KEEP_RECENT_MESSAGES = 6;

/**
 * Where a kept tail may start: a user message or an assistant message, never a tool result (its call would
 * be cut off from it). An assistant's tool calls are followed by their results, so a tail from it keeps
 * them paired.
 */
function turnStarts(messages: readonly ChatMessage[]): number[] {
  return messages.flatMap((m, i) => (m.role === 'user' || m.role === 'assistant' ? [i] : []));
}

function turnStartAtOrBefore(messages: readonly ChatMessage[], index: number): number {
  let i = Math.max(0, index);
  while (i > 0 && messages[i]?.role === 'tool') i--;
  return i;
}

function firstUserText(messages: readonly ChatMessage[]): string {
  const first = messages.find((m) => m.role === 'user');
  if (first?.role !== 'user') return '';
  const text =
    typeof first.content === 'string'
      ? first.content
      : first.content
          .filter((p): p is Extract<ChatContentPart, { type: 'text' }> => p.type === 'text')
          .map((p) => p.text)
          .join('\n');
  // Claude Code puts its injected context in <system-reminder> blocks; the user's words are outside them.
  const own = text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
  const quote = own || text.trim();
  return quote.length > TASK_QUOTE_CHARS ? `${quote.slice(0, TASK_QUOTE_CHARS)}…` : quote;
}

function withPrefix(m: ChatMessage, prefix: string): ChatMessage {
  if (m.role !== 'user') return m;
  if (typeof m.content === 'string') return { ...m, content: `${prefix}\n\n${m.content}` };
  return { ...m, content: [{ type: 'text', text: prefix }, ...m.content] };
}
