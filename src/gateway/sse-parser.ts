/** One server-sent event: its `event:` name (if any) and its joined `data:` lines. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

/**
 * Incremental parser for `text/event-stream` (html.spec.whatwg.org/#event-stream-interpretation). Feed it
 * decoded text as it arrives; it returns the events completed so far. llama.cpp writes failures as an
 * `error:` field instead of `data:`; those come out as events named `error`.
 */
export class SseParser {
  private buffer = '';
  private event: string | undefined;
  private data: string[] = [];

  feed(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf('\n', start);
      if (nl < 0) break;
      let line = this.buffer.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.data.length) events.push({ event: this.event, data: this.data.join('\n') });
        this.event = undefined;
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'error') {
        this.event = 'error';
        this.data.push(value);
      }
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** Whatever event was complete but not yet terminated by a blank line when the stream ended. */
  flush(): SseEvent[] {
    const rest = this.buffer.trim() ? this.feed('\n\n') : [];
    if (this.data.length) rest.push({ event: this.event, data: this.data.join('\n') });
    this.data = [];
    this.buffer = '';
    return rest;
  }
}

/** One SSE frame with an event name, as the Anthropic API writes them. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
