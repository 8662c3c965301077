import { isObject, ShapeCheck, shown } from '../shape-check.js';
import type { MessagesRequest } from './types.js';

/**
 * Checks a Messages request's shape, field by field, before anything reads it: every problem is a 400
 * with its field path (docs.anthropic.com/en/api/messages), never a TypeError deep in the translation.
 * `count_tokens` takes the same body without `max_tokens` (docs.anthropic.com/en/api/messages-count-tokens).
 */
export function parseMessagesRequest(
  body: unknown,
  options: { requireMaxTokens?: boolean } = {},
): MessagesRequest {
  const check = new ShapeCheck();
  if (!isObject(body)) {
    check.problem('body', 'request body must be a JSON object');
    check.throwIfAny();
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) check.problem('model', 'field required (a string)');
  if (!Array.isArray(b.messages)) check.problem('messages', 'field required (an array)');
  if (options.requireMaxTokens !== false) {
    const m = b.max_tokens;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1)
      check.problem('max_tokens', 'field required (an integer ≥ 1)');
  }
  if (Array.isArray(b.messages))
    b.messages.forEach((m, i) => {
      checkMessage(check, `messages.${i}`, m);
    });
  checkSystem(check, b.system);
  checkTools(check, b.tools);
  checkToolChoice(check, b.tool_choice);
  if (b.stop_sequences !== undefined && check.array('stop_sequences', b.stop_sequences)) {
    b.stop_sequences.forEach((s, i) => {
      check.string(`stop_sequences.${i}`, s);
    });
  }
  check.boolean('stream', b.stream, true);
  check.number('temperature', b.temperature, true);
  check.number('top_p', b.top_p, true);
  check.number('top_k', b.top_k, true);
  check.throwIfAny();
  return b as unknown as MessagesRequest;
}

function checkMessage(check: ShapeCheck, path: string, m: unknown): void {
  if (!check.object(path, m)) return;
  if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system') {
    check.problem(`${path}.role`, `must be "user", "assistant" or "system", got ${shown(m.role)}`);
  }
  if (typeof m.content === 'string') return;
  if (!Array.isArray(m.content)) {
    check.problem(`${path}.content`, 'must be a string or an array of content blocks');
    return;
  }
  m.content.forEach((block, i) => {
    checkBlock(check, `${path}.content.${i}`, block);
  });
}

/** One content block; types the gateway does not model are left to the translation, which names them. */
function checkBlock(check: ShapeCheck, path: string, block: unknown): void {
  if (!check.object(path, block)) return;
  if (!check.string(`${path}.type`, block.type)) return;
  switch (block.type) {
    case 'text':
      check.string(`${path}.text`, block.text);
      break;
    case 'image':
    case 'document':
      checkSource(check, `${path}.source`, block.source);
      break;
    case 'tool_use':
      check.string(`${path}.id`, block.id);
      check.string(`${path}.name`, block.name);
      if (block.input !== undefined) check.object(`${path}.input`, block.input);
      break;
    case 'tool_result':
      check.string(`${path}.tool_use_id`, block.tool_use_id);
      check.boolean(`${path}.is_error`, block.is_error, true);
      if (block.content === undefined || typeof block.content === 'string') break;
      if (!check.array(`${path}.content`, block.content)) break;
      block.content.forEach((b, i) => {
        checkBlock(check, `${path}.content.${i}`, b);
      });
      break;
    case 'thinking':
      check.string(`${path}.thinking`, block.thinking, true);
      check.string(`${path}.signature`, block.signature, true);
      break;
  }
}

function checkSource(check: ShapeCheck, path: string, source: unknown): void {
  if (!check.object(path, source)) return;
  check.string(`${path}.type`, source.type);
  if (source.type === 'base64' || source.type === 'text') {
    check.string(`${path}.data`, source.data);
    check.string(`${path}.media_type`, source.media_type, true);
  } else if (source.type === 'url') check.string(`${path}.url`, source.url);
}

function checkSystem(check: ShapeCheck, system: unknown): void {
  if (system === undefined || typeof system === 'string') return;
  if (!Array.isArray(system)) {
    check.problem('system', 'must be a string or an array of text blocks');
    return;
  }
  system.forEach((b, i) => {
    if (!check.object(`system.${i}`, b)) return;
    if (b.type !== 'text') check.problem(`system.${i}.type`, `must be "text", got ${shown(b.type)}`);
    check.string(`system.${i}.text`, b.text);
  });
}

function checkTools(check: ShapeCheck, tools: unknown): void {
  if (tools === undefined || !check.array('tools', tools)) return;
  tools.forEach((t, i) => {
    if (!check.object(`tools.${i}`, t)) return;
    check.string(`tools.${i}.name`, t.name);
    check.string(`tools.${i}.description`, t.description, true);
    if (t.input_schema !== undefined) check.object(`tools.${i}.input_schema`, t.input_schema);
    // A tool with neither a schema nor a server-tool `type` is nothing the gateway can offer a model.
    if (t.input_schema === undefined && typeof t.type !== 'string')
      check.problem(`tools.${i}.input_schema`, 'field required (an object) for a client tool');
  });
}

function checkToolChoice(check: ShapeCheck, choice: unknown): void {
  if (choice === undefined || !check.object('tool_choice', choice)) return;
  if (!['auto', 'any', 'tool', 'none'].includes(choice.type as string)) {
    check.problem('tool_choice.type', `must be one of auto, any, tool, none, got ${shown(choice.type)}`);
  }
  if (choice.type === 'tool') check.string('tool_choice.name', choice.name);
  check.boolean('tool_choice.disable_parallel_tool_use', choice.disable_parallel_tool_use, true);
}
