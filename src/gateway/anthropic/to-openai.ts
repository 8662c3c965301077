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
  /** Whether the model takes images; without it image blocks are refused with an invalid_request_error. */
  vision: boolean;
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
      const assistant = assistantMessage(m, i);
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
          text: documentText(block as Extract<ContentBlock, { type: 'document' }>, path),
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

function assistantMessage(m: MessageParam, at: number): ChatMessage | undefined {
  if (typeof m.content === 'string') return { role: 'assistant', content: m.content };
  const texts: string[] = [];
  const calls: ChatToolCall[] = [];
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
      // Local models cannot check Anthropic's thinking signatures and never produced these blocks:
      // they are dropped on the way in, as reasoning is dropped on the way out.
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        throw invalid(
          `messages.${at}.content.${i}.type: ${shown(block.type)} is not allowed in an assistant turn`,
        );
    }
  });
  if (!texts.length && !calls.length) return undefined;
  const message: ChatMessage = { role: 'assistant', content: texts.length ? texts.join('\n') : null };
  if (calls.length) message.tool_calls = calls;
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
      // OpenAI tool messages carry text only; an image in a tool result cannot be forwarded faithfully.
      if (b.type === 'image') {
        if (!options.vision) throw imageRefused(`${path}.content.${i}`);
        return '[image omitted: tool results can carry text only]';
      }
      throw invalid(`${path}.content.${i}.type: ${shown(b.type)} is not supported in a tool_result`);
    })
    .join('\n');
}

function imagePart(block: ImageBlock, path: string, options: TranslateOptions): ChatContentPart {
  if (!options.vision) throw imageRefused(path);
  const s = block.source;
  if (s?.type === 'base64')
    return { type: 'image_url', image_url: { url: `data:${s.media_type};base64,${s.data}` } };
  if (s?.type === 'url') return { type: 'image_url', image_url: { url: s.url } };
  throw invalid(`${path}.source.type: must be "base64" or "url"`);
}

function documentText(block: Extract<ContentBlock, { type: 'document' }>, path: string): string {
  if (block.source?.type === 'text' && typeof block.source.data === 'string') return block.source.data;
  throw invalid(`${path}: only plain-text documents are supported by local models`);
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

function imageRefused(path: string): GatewayError {
  return invalid(`${path}: this model does not accept images; use a model with vision or send text only`);
}

function invalid(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}
