import type { ChatTool } from '../openai/types.js';

/** A tool call found written out in the answer's text. */
export interface TextToolCall {
  name: string;
  /** JSON text of the arguments object. */
  arguments: string;
}

/**
 * Where a text-form tool call begins. When a chat template or tool parser is missing or wrong, llama.cpp and
 * vLLM return the model's tool calls as plain text in the model's own syntax (DESIGN.md §4): Qwen/Hermes
 * templates write `<tool_call>{"name":…,"arguments":…}</tool_call>` (Qwen3-Coder puts
 * `<function=NAME><parameter=P>…</parameter></function>` inside), Mistral's write `[TOOL_CALLS]` followed by
 * a JSON array of calls or, since its v11 tokenizer, `NAME[ARGS]{…}`.
 */
export const TOOL_CALL_MARKERS = ['<tool_call>', '[TOOL_CALLS]'] as const;

/**
 * Finds the tool calls written as text in an answer to a request that offered `tools`. Returns them with
 * the text around them, or undefined when the text has none or any of them cannot be read unambiguously
 * (bad JSON, a name not among the tools offered): the text then stays text, as the model wrote it.
 */
export function extractTextToolCalls(
  text: string,
  tools: readonly ChatTool[] | undefined,
): { text: string; calls: TextToolCall[] } | undefined {
  if (!tools?.length) return undefined;
  const first = firstMarker(text);
  if (!first) return undefined;
  const byName = new Map(tools.map((t) => [t.function.name, t]));
  const calls =
    first.marker === '<tool_call>'
      ? hermesCalls(text.slice(first.at), byName)
      : mistralCalls(text.slice(first.at), byName);
  if (!calls?.length) return undefined;
  return { text: text.slice(0, first.at).trimEnd(), calls };
}

function firstMarker(text: string): { marker: string; at: number } | undefined {
  let best: { marker: string; at: number } | undefined;
  for (const marker of TOOL_CALL_MARKERS) {
    const at = text.indexOf(marker);
    if (at >= 0 && (!best || at < best.at)) best = { marker, at };
  }
  return best;
}

type Tools = Map<string, ChatTool>;

/** `<tool_call>…</tool_call>` blocks, nothing but whitespace between them; the last one may be unclosed. */
function hermesCalls(text: string, tools: Tools): TextToolCall[] | undefined {
  const calls: TextToolCall[] = [];
  let rest = text;
  while (rest.trim()) {
    rest = rest.trimStart();
    if (!rest.startsWith('<tool_call>')) return undefined;
    const end = rest.indexOf('</tool_call>');
    const body = rest.slice('<tool_call>'.length, end < 0 ? undefined : end).trim();
    const call = body.startsWith('<function=') ? qwenXmlCall(body, tools) : jsonCall(body, tools);
    if (!call) return undefined;
    calls.push(call);
    rest = end < 0 ? '' : rest.slice(end + '</tool_call>'.length);
  }
  return calls;
}

/** `{"name": …, "arguments": {…}}` (some templates say `parameters`). */
function jsonCall(body: string, tools: Tools): TextToolCall | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return callFromObject(value, tools);
}

function callFromObject(value: unknown, tools: Tools): TextToolCall | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as { name?: unknown; arguments?: unknown; parameters?: unknown };
  if (typeof v.name !== 'string' || !tools.has(v.name)) return undefined;
  const args = v.arguments ?? v.parameters ?? {};
  if (typeof args === 'string') return { name: v.name, arguments: args };
  if (typeof args !== 'object' || Array.isArray(args)) return undefined;
  return { name: v.name, arguments: JSON.stringify(args) };
}

/**
 * Qwen3-Coder's form: `<function=NAME>` then `<parameter=P>VALUE</parameter>` each. Values are text; a
 * parameter the tool's schema does not declare a string is read as JSON when it parses (`3`, `true`, `[…]`).
 */
function qwenXmlCall(body: string, tools: Tools): TextToolCall | undefined {
  const fn = body.match(/^<function=([^>\s]+)>([\s\S]*?)(?:<\/function>\s*)?$/);
  if (!fn) return undefined;
  const tool = tools.get(fn[1]!);
  if (!tool) return undefined;
  const props = ((tool.function.parameters as { properties?: Record<string, { type?: unknown }> })
    ?.properties ?? {}) as Record<string, { type?: unknown }>;
  const args: Record<string, unknown> = {};
  const inner = fn[2]!;
  const re = /<parameter=([^>\s]+)>\n?([\s\S]*?)\n?<\/parameter>/g;
  let consumed = '';
  for (const m of inner.matchAll(re)) {
    const [whole, key, raw] = m;
    consumed += whole;
    args[key!] = props[key!]?.type === 'string' ? raw : parseLoose(raw!);
  }
  // Anything but whitespace outside the parameters means the form is not what it seems.
  if (inner.replace(re, '').trim()) return undefined;
  if (!consumed && inner.trim()) return undefined;
  return { name: tool.function.name, arguments: JSON.stringify(args) };
}

function parseLoose(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `[TOOL_CALLS][{…}, …]` or one or more `[TOOL_CALLS]NAME[ARGS]{…}`. */
function mistralCalls(text: string, tools: Tools): TextToolCall[] | undefined {
  const body = text.slice('[TOOL_CALLS]'.length).trim();
  if (body.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
    if (!Array.isArray(value)) return undefined;
    const calls = value.map((v) => callFromObject(v, tools));
    return calls.every((c) => c !== undefined) ? (calls as TextToolCall[]) : undefined;
  }
  const calls: TextToolCall[] = [];
  for (const piece of text.split('[TOOL_CALLS]').slice(1)) {
    const m = piece.trim().match(/^([^[\s]+)(?:\[CALL_ID\][^[]*)?\[ARGS\]([\s\S]*)$/);
    if (!m || !tools.has(m[1]!)) return undefined;
    try {
      const args: unknown = JSON.parse(m[2]!);
      if (!args || typeof args !== 'object' || Array.isArray(args)) return undefined;
      calls.push({ name: m[1]!, arguments: JSON.stringify(args) });
    } catch {
      return undefined;
    }
  }
  return calls;
}

/**
 * The streaming side: passes text through as it comes, but holds back from the first tool-call marker on
 * (and any tail that could be the start of one, and trailing whitespace), so a text-form call is never shown as text before it can
 * be read as a call. `end()` gives what was held, for `extractTextToolCalls`.
 */
export class TextToolCallScanner {
  private pending = '';
  private holding = false;

  /** Text that can be sent now. */
  push(text: string): string {
    this.pending += text;
    if (this.holding) return '';
    const first = firstMarker(this.pending);
    if (first) {
      this.holding = true;
      // As `extractTextToolCalls` does for a complete answer: the space before a call is not text.
      const out = this.pending.slice(0, first.at).trimEnd();
      this.pending = this.pending.slice(first.at);
      return out;
    }
    // Trailing whitespace waits too: it is dropped if a call follows it.
    const tail = partialMarkerTail(this.pending);
    const keep = this.pending.length - this.pending.slice(0, this.pending.length - tail).trimEnd().length;
    const out = this.pending.slice(0, this.pending.length - keep);
    this.pending = this.pending.slice(this.pending.length - keep);
    return out;
  }

  /** Whatever was held back (starting with a marker, or a tail that never became one). */
  end(): string {
    const out = this.pending;
    this.pending = '';
    return out;
  }
}

/** Length of the longest tail of `text` that is a proper prefix of a marker. */
function partialMarkerTail(text: string): number {
  let best = 0;
  for (const marker of TOOL_CALL_MARKERS) {
    for (let n = Math.min(marker.length - 1, text.length); n > best; n--) {
      if (text.endsWith(marker.slice(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}
