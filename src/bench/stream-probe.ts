import { OpsError } from '../core/errors.js';
import { SseParser } from '../gateway/sse-parser.js';
import { HttpError, type HttpResponse, httpRequest } from '../http/http-client.js';
import type { StreamTiming } from './types.js';

export interface ProbeTarget {
  /** The gateway's base URL (without /v1). */
  url: string;
  model: string;
  apiKey?: string;
}

/**
 * One streamed chat completion through the gateway, timed as a client sees it: time to the first content token,
 * then the rest. `ignore_eos` (llama.cpp and vLLM both take it) makes the engine produce exactly `maxTokens`, so
 * decode speed is measured over a known length whatever the model says.
 */
export async function timeStreamedCompletion(
  target: ProbeTarget,
  prompt: string,
  maxTokens: number,
  signal?: AbortSignal,
): Promise<StreamTiming> {
  const started = performance.now();
  const url = `${target.url.replace(/\/+$/, '')}/v1/chat/completions`;
  let response: HttpResponse;
  try {
    response = await httpRequest(url, {
      headers: target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {},
      json: {
        model: target.model,
        messages: [{ role: 'user', content: prompt }],
        max_tokens: maxTokens,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
        ignore_eos: true,
      },
      signal,
      timeoutMs: signal ? undefined : 600_000,
      // No response head within 300 s (undici's default, kept): a long prompt on slow hardware.
      headersTimeoutMs: 300_000,
    });
  } catch (cause) {
    const slow = cause instanceof HttpError && cause.kind === 'headers-timeout';
    throw new OpsError(`no answer from ${url}: ${(cause as Error).message}`, {
      cause,
      hint: slow
        ? 'the engine took over 300 s to start answering (prompt processing): measure smaller sizes with --sizes'
        : 'is the deployment up (ops status)? pass the gateway URL with --gateway',
    });
  }
  if (!response.ok) {
    throw new OpsError(`${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let first: number | undefined;
  let last = started;
  let chunks = 0;
  let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
  for await (const bytes of response.body) {
    for (const event of parser.feed(decoder.decode(bytes as Uint8Array, { stream: true }))) {
      if (event.event === 'error')
        throw new OpsError(`the engine failed mid-stream: ${event.data.slice(0, 300)}`);
      if (event.data === '[DONE]') continue;
      const chunk = JSON.parse(event.data) as {
        choices?: { delta?: { content?: string; reasoning_content?: string } }[];
        usage?: typeof usage;
      };
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices?.[0]?.delta;
      if (delta?.content || delta?.reasoning_content) {
        const now = performance.now();
        first ??= now;
        last = now;
        chunks++;
      }
    }
  }
  const end = performance.now();
  if (first === undefined)
    throw new OpsError(`${target.model} streamed no tokens`, { hint: 'see ops logs <engine>' });
  return {
    promptTokens: usage?.prompt_tokens ?? 0,
    // llama.cpp streams one token per chunk; usage, when sent, is exact.
    completionTokens: usage?.completion_tokens ?? chunks,
    ttftMs: first - started,
    decodeMs: last - first,
    totalMs: end - started,
  };
}
