import type { ChatCompletionChunk } from './openai/types.js';
import { SseParser } from './sse-parser.js';

/** What an upstream's chat-completion stream says, event by event. */
export type ChatStreamEvent =
  | { kind: 'chunk'; chunk: ChatCompletionChunk; raw: string }
  | { kind: 'error'; message: string }
  | { kind: 'done' };

/**
 * Reads an OpenAI-compatible upstream's streamed chat completion: each chunk (with its original text, so a
 * passthrough can forward it without re-serialising), `[DONE]`, and errors — an `event: error` frame or a chunk
 * carrying `error` (llama.cpp and vLLM report mid-stream failures both ways). Unparseable data lines are skipped.
 * A lost connection surfaces as the body's own error (`UpstreamAnswer.chunks`: a GatewayError).
 */
export async function* readChatStream(body: AsyncIterable<string>): AsyncGenerator<ChatStreamEvent> {
  const parser = new SseParser();
  for await (const text of body) {
    for (const event of parser.feed(text)) {
      if (event.data === '[DONE]') {
        yield { kind: 'done' };
        continue;
      }
      let chunk: ChatCompletionChunk;
      try {
        chunk = JSON.parse(event.data) as ChatCompletionChunk;
      } catch {
        if (event.event === 'error') yield { kind: 'error', message: event.data };
        continue;
      }
      if (event.event === 'error' || chunk.error) {
        yield { kind: 'error', message: chunk.error?.message ?? event.data };
        continue;
      }
      yield { kind: 'chunk', chunk, raw: event.data };
    }
  }
}
