import { isObject, ShapeCheck, shown } from '../shape-check.js';
import type { ChatCompletionRequest } from './types.js';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];

/**
 * Checks a chat completions request's shape before it is counted, clamped and forwarded: every problem is
 * a 400 with its field path. The one repair made here: `tool_calls[].function.arguments` sent as an object
 * (some clients do; OpenAI's spec says a JSON string) is serialised, since every engine expects the string.
 * Fields the gateway does not read pass through unchecked, for the engine to judge.
 */
export function parseChatRequest(body: unknown): ChatCompletionRequest {
  const check = new ShapeCheck();
  if (!isObject(body)) {
    check.problem('body', 'request body must be a JSON object');
    check.throwIfAny();
  }
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) check.problem('model', 'field required (a string)');
  if (!Array.isArray(b.messages)) check.problem('messages', 'field required (an array)');
  else
    b.messages.forEach((m, i) => {
      checkMessage(check, `messages.${i}`, m);
    });
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    const v = b[field];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 1))
      check.problem(field, 'must be an integer ≥ 1');
  }
  check.boolean('stream', b.stream, true);
  if (b.stream_options !== undefined && b.stream_options !== null)
    check.object('stream_options', b.stream_options);
  if (b.tools !== undefined && check.array('tools', b.tools)) {
    b.tools.forEach((t, i) => {
      if (!check.object(`tools.${i}`, t)) return;
      if (check.object(`tools.${i}.function`, t.function))
        check.string(`tools.${i}.function.name`, t.function.name);
    });
  }
  check.throwIfAny();
  return b as ChatCompletionRequest;
}

function checkMessage(check: ShapeCheck, path: string, m: unknown): void {
  if (!check.object(path, m)) return;
  if (!ROLES.includes(m.role as string))
    check.problem(`${path}.role`, `must be one of ${ROLES.join(', ')}, got ${shown(m.role)}`);
  const c = m.content;
  if (Array.isArray(c)) {
    c.forEach((part, i) => {
      if (check.object(`${path}.content.${i}`, part)) check.string(`${path}.content.${i}.type`, part.type);
    });
  } else if (c !== undefined && c !== null && typeof c !== 'string') {
    check.problem(`${path}.content`, 'must be a string, null or an array of content parts');
  }
  if (m.tool_calls === undefined || m.tool_calls === null) return;
  if (!check.array(`${path}.tool_calls`, m.tool_calls)) return;
  m.tool_calls.forEach((call, i) => {
    const p = `${path}.tool_calls.${i}`;
    if (!check.object(p, call) || !check.object(`${p}.function`, call.function)) return;
    const fn = call.function;
    check.string(`${p}.function.name`, fn.name);
    if (isObject(fn.arguments)) fn.arguments = JSON.stringify(fn.arguments);
    else check.string(`${p}.function.arguments`, fn.arguments, true);
  });
}
