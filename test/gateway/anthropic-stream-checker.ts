/**
 * Checks an Anthropic Messages stream against the protocol's invariants and rebuilds the message it
 * carries. Run on every stream the tests see, so a translation bug anywhere shows up as a named violation.
 */
export interface StreamEvent {
  event: string;
  data: LooseJson;
}

export interface CheckedStream {
  events: StreamEvent[];
  content: LooseJson[];
  stopReason: string | null;
  stopSequence: string | null;
  usage: LooseJson;
  /** The `error` event's body, when the stream ended with one. */
  error: LooseJson;
  pings: number;
}

// biome-ignore lint/suspicious/noExplicitAny: stream payloads are arbitrary JSON checked field by field
type LooseJson = any;

const STOP_REASONS = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use']);

/** Parses raw SSE text into named events (every Anthropic event has both `event:` and `data:`). */
export function parseSse(text: string): StreamEvent[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((frame) => frame.trim())
    .map((frame) => {
      let event = '';
      const data: string[] = [];
      for (const line of frame.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      return { event, data: JSON.parse(data.join('\n')) };
    });
}

/** Throws an Error naming the first violated invariant; returns the rebuilt message otherwise. */
export function checkAnthropicStream(text: string): CheckedStream {
  const events = parseSse(text);
  const fail = (i: number, why: string): never => {
    throw new Error(`stream invariant broken at event ${i} (${events[i]?.event}): ${why}\n${text}`);
  };
  const out: CheckedStream = {
    events,
    content: [],
    stopReason: null,
    stopSequence: null,
    usage: null,
    error: null,
    pings: 0,
  };
  let started = false;
  let open: { index: number; type: string; json: string } | undefined;
  let deltaSeen = false;
  let stopped = false;
  events.forEach((e, i) => {
    if (e.event !== e.data.type) fail(i, `event name ${e.event} differs from data.type ${e.data.type}`);
    if (stopped) fail(i, 'event after message_stop or error');
    switch (e.event) {
      case 'message_start':
        if (started) fail(i, 'second message_start');
        if (i !== 0) fail(i, 'message_start is not the first event');
        started = true;
        if (e.data.message?.role !== 'assistant' || !Array.isArray(e.data.message.content))
          fail(i, 'bad message');
        if (typeof e.data.message.usage?.input_tokens !== 'number')
          fail(i, 'message_start without usage.input_tokens');
        out.usage = { ...e.data.message.usage };
        break;
      case 'ping':
        if (!started) fail(i, 'ping before message_start');
        out.pings++;
        break;
      case 'content_block_start': {
        if (!started || deltaSeen) fail(i, 'block outside the message body');
        if (open) fail(i, `block ${e.data.index} opened while ${open.index} is open`);
        if (e.data.index !== out.content.length)
          fail(i, `index ${e.data.index}, expected ${out.content.length}`);
        const block = { ...e.data.content_block };
        if (block.type === 'tool_use' && (!block.id || !block.name))
          fail(i, 'tool_use block without id or name');
        out.content.push(block);
        open = { index: e.data.index, type: block.type, json: '' };
        break;
      }
      case 'content_block_delta': {
        if (!open || open.index !== e.data.index)
          fail(i, `delta for block ${e.data.index} which is not open`);
        const d = e.data.delta;
        const block = out.content[open!.index];
        if (open!.type === 'text' && d.type === 'text_delta') block.text += d.text;
        else if (open!.type === 'thinking' && d.type === 'thinking_delta') block.thinking += d.thinking;
        else if (open!.type === 'thinking' && d.type === 'signature_delta') block.signature += d.signature;
        else if (open!.type === 'tool_use' && d.type === 'input_json_delta') open!.json += d.partial_json;
        else fail(i, `${d.type} in a ${open!.type} block`);
        break;
      }
      case 'content_block_stop':
        if (!open || open.index !== e.data.index) fail(i, `stop for block ${e.data.index} which is not open`);
        if (open!.type === 'tool_use') {
          try {
            out.content[open!.index].input = open!.json ? JSON.parse(open!.json) : {};
          } catch {
            fail(i, `tool input is not JSON: ${open!.json}`);
          }
        }
        open = undefined;
        break;
      case 'message_delta':
        if (!started || deltaSeen) fail(i, 'message_delta twice or before message_start');
        if (open) fail(i, 'message_delta while a block is open');
        if (!STOP_REASONS.has(e.data.delta?.stop_reason)) fail(i, `stop_reason ${e.data.delta?.stop_reason}`);
        if (typeof e.data.usage?.output_tokens !== 'number')
          fail(i, 'message_delta without usage.output_tokens');
        deltaSeen = true;
        out.stopReason = e.data.delta.stop_reason;
        out.stopSequence = e.data.delta.stop_sequence ?? null;
        out.usage = { ...out.usage, ...e.data.usage };
        break;
      case 'message_stop':
        if (!deltaSeen) fail(i, 'message_stop without message_delta');
        stopped = true;
        break;
      case 'error':
        if (typeof e.data.error?.type !== 'string' || typeof e.data.error?.message !== 'string')
          fail(i, 'malformed error');
        out.error = e.data;
        stopped = true;
        break;
      default:
        fail(i, 'unknown event');
    }
  });
  if (!stopped) throw new Error(`stream ended without message_stop or error:\n${text}`);
  return out;
}
