import { GatewayError } from '../gateway-error.js';
import type {
  ChatCompletionRequest,
  ChatContentPart,
  ChatMessage,
  ChatTool,
  ChatToolCall,
  ChatToolChoice,
} from '../openai/types.js';
import { shown } from '../shape-check.js';
import type {
  ContentBlock,
  ImageBlock,
  MessageParam,
  MessagesRequest,
  TextBlock,
  ThinkingBlock,
  ToolChoice,
  ToolDefinition,
} from './types.js';

export { parseMessagesRequest } from './messages-shape.js';

/**
 * Claude Code puts a per-request billing line in the system prompt (a text block starting with this prefix).
 * It changes on every request, so a local engine's prefix cache would miss from the first token; it is dropped.
 */
export const BILLING_HEADER_PREFIX = 'x-anthropic-billing-header:';

export interface TranslateOptions {
  upstreamModel: string;
  /** Whether the model takes images; without it each image becomes a short text note saying it was omitted. */
  vision: boolean;
  /**
   * Checks a thinking block's signature; the thinking of blocks it accepts goes back to the engine as the
   * assistant turn's `reasoning_content` (gpt-oss's template needs it between tool calls). Without it, or
   * for blocks it refuses, thinking is dropped.
   */
  verifyThinking?: (thinking: string, signature: string) => boolean;
}

/** Translates an Anthropic Messages request to an OpenAI chat completions request for the upstream. */
export function messagesToChatRequest(
  req: MessagesRequest,
  options: TranslateOptions,
): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(req.system);
  if (system) messages.push({ role: 'system', content: system });
  req.messages.forEach((m, i) => {
    if (m.role === 'user') messages.push(...userMessages(m, i, options));
    else if (m.role === 'system') {
      const text = inlineSystemText(m);
      if (text) messages.push({ role: 'user', content: `<system-reminder>\n${text}\n</system-reminder>` });
    } else {
      const assistant = assistantMessage(m, i, options);
      if (assistant) messages.push(assistant);
    }
  });

  const out: ChatCompletionRequest = { model: options.upstreamModel, messages, max_tokens: req.max_tokens };
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  // top_k is not OpenAI's, but llama.cpp and vLLM both read it from chat requests.
  if (req.top_k !== undefined) out.top_k = req.top_k;
  if (req.stop_sequences?.length) out.stop = req.stop_sequences;
  const tools = (req.tools ?? []).map(toChatTool).filter((t): t is ChatTool => t !== undefined);
  if (tools.length) out.tools = tools;
  if (req.tool_choice) {
    out.tool_choice = toChatToolChoice(req.tool_choice);
    if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use) {
      out.parallel_tool_calls = false;
    }
    // OpenAI refuses tool_choice without tools; Anthropic allows `none` with none.
    if (!out.tools) delete out.tool_choice;
  }
  if (req.stream) {
    out.stream = true;
    // Real token counts for message_delta and the usage record come only with this option.
    out.stream_options = { include_usage: true };
  }
  return out;
}

/** The system prompt as one string, without Claude Code's per-request billing block. */
export function systemText(system: MessagesRequest['system']): string {
  if (system === undefined) return '';
  if (typeof system === 'string') return system.startsWith(BILLING_HEADER_PREFIX) ? '' : system;
  return system
    .filter(
      (b) =>
        b && b.type === 'text' && typeof b.text === 'string' && !b.text.startsWith(BILLING_HEADER_PREFIX),
    )
    .map((b) => b.text)
    .join('\n\n');
}

/**
 * A `system` turn inside the conversation. Many chat templates (Qwen's among them) refuse a system message
 * that is not first, so it travels as a user turn in the `<system-reminder>` wrapper Claude Code itself uses
 * for context it injects into user turns.
 */
function inlineSystemText(m: MessageParam): string {
  if (typeof m.content === 'string') return m.content;
  return m.content
    .filter((b): b is TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('\n');
}

function userMessages(m: MessageParam, at: number, options: TranslateOptions): ChatMessage[] {
  if (typeof m.content === 'string') return [{ role: 'user', content: m.content }];
  // Tool results answer the previous assistant turn, so they go first, as `tool` messages right after it.
  const out: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  m.content.forEach((block, i) => {
    const path = `messages.${at}.content.${i}`;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: (block as TextBlock).text });
        break;
      case 'image':
        parts.push(imagePart(block as ImageBlock, path, options));
        break;
      case 'tool_result': {
        const r = block as Extract<ContentBlock, { type: 'tool_result' }>;
        const text = toolResultText(r, path, options);
        out.push({
          role: 'tool',
          tool_call_id: r.tool_use_id,
          content: r.is_error ? `Error: ${text}` : text,
        });
        break;
      }
      case 'document':
        parts.push({
          type: 'text',
          text: documentText(block as Extract<ContentBlock, { type: 'document' }>),
        });
        break;
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        throw invalid(
          `${path}.type: content block type ${shown(block.type)} is not supported by this gateway`,
        );
    }
  });
  if (parts.length) out.push({ role: 'user', content: collapseParts(parts) });
  return out;
}

function assistantMessage(m: MessageParam, at: number, options: TranslateOptions): ChatMessage | undefined {
  if (typeof m.content === 'string') return { role: 'assistant', content: m.content };
  const texts: string[] = [];
  const calls: ChatToolCall[] = [];
  const reasoning: string[] = [];
  m.content.forEach((block, i) => {
    switch (block.type) {
      case 'text':
        texts.push((block as TextBlock).text);
        break;
      case 'tool_use': {
        const u = block as Extract<ContentBlock, { type: 'tool_use' }>;
        calls.push({
          id: u.id,
          type: 'function',
          function: { name: u.name, arguments: JSON.stringify(u.input ?? {}) },
        });
        break;
      }
      case 'thinking': {
        // Only the gateway's own (signed) reasoning goes back; Anthropic's, or a forgery, is dropped.
        const t = block as ThinkingBlock;
        if (
          options.verifyThinking &&
          typeof t.thinking === 'string' &&
          typeof t.signature === 'string' &&
          options.verifyThinking(t.thinking, t.signature)
        )
          reasoning.push(t.thinking);
        break;
      }
      case 'redacted_thinking':
        break;
      default:
        throw invalid(
          `messages.${at}.content.${i}.type: ${shown(block.type)} is not allowed in an assistant turn`,
        );
    }
  });
  if (!texts.length && !calls.length) return undefined;
  const message: Extract<ChatMessage, { role: 'assistant' }> = {
    role: 'assistant',
    content: texts.length ? texts.join('\n') : null,
  };
  if (calls.length) message.tool_calls = calls;
  if (reasoning.length) message.reasoning_content = reasoning.join('\n');
  return message;
}

function toolResultText(
  r: Extract<ContentBlock, { type: 'tool_result' }>,
  path: string,
  options: TranslateOptions,
): string {
  if (r.content === undefined) return '';
  if (typeof r.content === 'string') return r.content;
  return r.content
    .map((b, i) => {
      if (b.type === 'text') return (b as TextBlock).text;
      // OpenAI tool messages carry text only: an image a tool returned (Claude Code's Read of a PNG) cannot
      // be forwarded there even to a vision model.
      if (b.type === 'image') {
        const why = options.vision ? 'tool results can carry text only' : 'this model reads text only';
        return omitted('image', (b as ImageBlock).source, why);
      }
      if (b.type === 'document') return documentText(b as Extract<ContentBlock, { type: 'document' }>);
      throw invalid(`${path}.content.${i}.type: ${shown(b.type)} is not supported in a tool_result`);
    })
    .join('\n');
}

function imagePart(block: ImageBlock, path: string, options: TranslateOptions): ChatContentPart {
  if (!options.vision)
    return { type: 'text', text: omitted('image', block.source, 'this model reads text only') };
  const s = block.source;
  if (s?.type === 'base64')
    return { type: 'image_url', image_url: { url: `data:${s.media_type};base64,${s.data}` } };
  if (s?.type === 'url') return { type: 'image_url', image_url: { url: s.url } };
  throw invalid(`${path}.source.type: must be "base64" or "url"`);
}

/**
 * A document's text where it has one (`text` source, or `content` of text blocks); otherwise (a PDF) a
 * placeholder: chat completions have no document part, and no local engine reads PDFs.
 */
function documentText(block: Extract<ContentBlock, { type: 'document' }>): string {
  const s = block.source;
  if (s?.type === 'text' && typeof s.data === 'string') return s.data;
  if (s?.type === 'content' && Array.isArray(s.content)) {
    const texts = s.content.filter(
      (b): b is TextBlock => b?.type === 'text' && typeof (b as TextBlock).text === 'string',
    );
    if (texts.length) return texts.map((b) => b.text).join('\n');
  }
  return omitted('document', s, 'the local model is given text only');
}

/**
 * The readable note that stands where an attachment was. Refusing the request instead (as the gateway once
 * did) bricks a Claude Code session: the attachment stays in its history, so every later request, `/compact`
 * included, is refused the same way until `/clear`. The note tells the model what the user sent, so it can
 * say it cannot see it or ask for text.
 */
export function omitted(
  what: 'image' | 'document',
  source: { type?: string; media_type?: string; data?: unknown; url?: unknown } | undefined,
  why: string,
): string {
  const media = typeof source?.media_type === 'string' ? source.media_type.slice(0, 60) : undefined;
  const size =
    source?.type === 'base64' && typeof source.data === 'string'
      ? ` of about ${Math.max(1, Math.round((source.data.length * 3) / 4 / 1024))} KB`
      : '';
  const kind = media ? `${what} (${media}${size})` : `${what}${size}`;
  return `[${kind} omitted by the ops gateway: ${why}; it cannot be shown to you]`;
}

/** Plain text stays a string: some chat templates handle only string content. */
function collapseParts(parts: ChatContentPart[]): string | ChatContentPart[] {
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => (p as { text: string }).text).join('\n');
  return parts;
}

function toChatTool(tool: ToolDefinition): ChatTool | undefined {
  // Anthropic server tools (web search, code execution…) have a `type` and no schema; local models cannot run them.
  if (!tool.input_schema) return undefined;
  const fn: ChatTool['function'] = { name: tool.name, parameters: tool.input_schema };
  if (tool.description) fn.description = tool.description;
  return { type: 'function', function: fn };
}

function toChatToolChoice(choice: ToolChoice): ChatToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default:
      throw invalid(
        `tool_choice.type: ${shown((choice as { type: unknown }).type)} is not one of auto, any, tool, none`,
      );
  }
}

function invalid(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}
