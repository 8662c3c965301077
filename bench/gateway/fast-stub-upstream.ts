/**
 * A fast model stand-in for benchmarks: answers OpenAI chat completions (streamed or not) and Anthropic
 * `/v1/messages` (streamed or not) at once, with the same short reply and real token usage (prompt tokens
 * from the request's size, completion tokens from the reply's pieces), so a proxy's cost is all that differs
 * between a direct run and a run through it. Also `/health` and llama-server's `/tokenize`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Reply pieces: one streamed chunk each, and one completion token each. */
const PIECES = ['Hello', ' from', ' the', ' fast', ' stub', ',', ' done', '.'];
const REPLY = PIECES.join('');

export interface FastStub {
  url: string;
  /** OpenAI base URL (`…/v1`). */
  baseUrl: string;
  close(): Promise<void>;
}

/** Prompt tokens as a tokenizer would roughly count them: one per four bytes of the request. */
function promptTokensOf(raw: string): number {
  return Math.max(1, Math.ceil(raw.length / 4));
}

function openaiStream(model: string, promptTokens: number, withUsage: boolean): string {
  const base = `{"id":"chatcmpl-stub","object":"chat.completion.chunk","created":1,"model":${JSON.stringify(model)},`;
  let out = `data: ${base}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`;
  for (const piece of PIECES)
    out += `data: ${base}"choices":[{"index":0,"delta":{"content":${JSON.stringify(piece)}},"finish_reason":null}]}\n\n`;
  out += `data: ${base}"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`;
  if (withUsage) {
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: PIECES.length,
      total_tokens: promptTokens + PIECES.length,
    };
    out += `data: ${base}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`;
  }
  return `${out}data: [DONE]\n\n`;
}

function anthropicStream(model: string, promptTokens: number): string {
  const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  let out = frame('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_stub',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: promptTokens, output_tokens: 1 },
    },
  });
  out += frame('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  });
  for (const piece of PIECES)
    out += frame('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: piece },
    });
  out += frame('content_block_stop', { type: 'content_block_stop', index: 0 });
  out += frame('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: PIECES.length },
  });
  return out + frame('message_stop', { type: 'message_stop' });
}

/** Starts the stub on a random loopback port (or `port`). */
export async function startFastStub(port = 0): Promise<FastStub> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0];
      const send = (status: number, type: string, text: string) => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.method === 'GET' || req.method === 'HEAD')
        return send(200, 'application/json', '{"status":"ok","data":[]}');
      // biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON read field by field
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, 'application/json', '{"error":{"message":"bad json"}}');
      }
      const promptTokens = promptTokensOf(raw);
      const model = String(body.model ?? 'stub');
      if (path === '/tokenize') {
        const n = promptTokensOf(String(body.content ?? ''));
        return send(200, 'application/json', JSON.stringify({ tokens: new Array(n).fill(1) }));
      }
      if (path === '/v1/chat/completions') {
        if (body.stream)
          return send(
            200,
            'text/event-stream',
            openaiStream(model, promptTokens, body.stream_options?.include_usage === true),
          );
        return send(
          200,
          'application/json',
          JSON.stringify({
            id: 'chatcmpl-stub',
            object: 'chat.completion',
            created: 1,
            model,
            choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' }],
            usage: {
              prompt_tokens: promptTokens,
              completion_tokens: PIECES.length,
              total_tokens: promptTokens + PIECES.length,
            },
          }),
        );
      }
      if (path === '/v1/messages') {
        if (body.stream) return send(200, 'text/event-stream', anthropicStream(model, promptTokens));
        return send(
          200,
          'application/json',
          JSON.stringify({
            id: 'msg_stub',
            type: 'message',
            role: 'assistant',
            model,
            content: [{ type: 'text', text: REPLY }],
            stop_reason: 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: promptTokens, output_tokens: PIECES.length },
          }),
        );
      }
      send(404, 'application/json', '{"error":{"message":"not here"}}');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    baseUrl: `http://127.0.0.1:${bound}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// `node --import tsx bench/gateway/fast-stub-upstream.ts [port]` runs it alone (e.g. behind another proxy).
if (import.meta.url === `file://${process.argv[1]}`) {
  const stub = await startFastStub(Number(process.argv[2] ?? 0));
  console.log(`fast stub on ${stub.url}`);
}
