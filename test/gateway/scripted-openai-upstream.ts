/**
 * Stands in for a model's judgement: an OpenAI-compatible HTTP server (chat completions, streamed or not,
 * plus llama-server's `/tokenize` and `/health`) that replays scripted replies, so the gateway's protocol
 * handling can be tested deterministically without a model.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JSON body as the gateway sent it; tests read into it freely. */
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON that tests inspect field by field
export type LooseJson = any;

export interface ScriptedToolCall {
  id?: string;
  name: string;
  arguments: string;
}

export interface ScriptedReply {
  text?: string;
  reasoning?: string;
  toolCalls?: ScriptedToolCall[];
  /** Defaults to `tool_calls` with tool calls, else `stop`. */
  finishReason?: string;
  /** vLLM-style matched stop string on the choice. */
  stopReason?: string;
  usage?: { prompt: number; completion: number; cached?: number };
  /** Answer with this status and body instead of a completion. */
  status?: number;
  errorBody?: unknown;
  headers?: Record<string, string>;
  /** Wait before answering (slow engine, or a request to abort). */
  delayMs?: number;
  /** Streams only: cut the connection after this many chunks. */
  dieAfterChunks?: number;
  /** Streams only: send an in-stream error event after the first chunk (as llama.cpp does). */
  streamError?: string;
  /** Streams only: after this many chunks, send nothing more and keep the connection open (a wedged engine). */
  stallAfterChunks?: number;
  /** Streams only: these raw deltas instead of ones built from `text` and `toolCalls` (other servers' shapes). */
  deltas?: object[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: LooseJson;
}

export type ReplyScript = ScriptedReply[] | ((body: LooseJson, index: number) => ScriptedReply);

export interface ScriptedUpstream {
  url: string;
  /** OpenAI base URL (`…/v1`). */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Chat requests whose client went away before the reply finished. */
  abortedCount(): number;
  /** Chat requests being answered right now. */
  inFlight(): number;
  setScript(script: ReplyScript): void;
  close(): Promise<void>;
}

/** Starts a scripted upstream on a random loopback port. */
export async function startScriptedUpstream(
  script: ReplyScript = [],
  options: { tokenize?: boolean; tokensPerChar?: number } = {},
): Promise<ScriptedUpstream> {
  let current = script;
  let chatIndex = 0;
  let aborted = 0;
  let inFlight = 0;
  const requests: RecordedRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? JSON.parse(raw) : undefined;
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
    if (path === '/health' || path === '/v1/models') return json(res, 200, { status: 'ok', data: [] });
    if (path === '/tokenize') {
      if (options.tokenize === false) return json(res, 404, { error: { message: 'no tokenizer' } });
      const content = String(body?.content ?? '');
      const n = Math.ceil(content.length * (options.tokensPerChar ?? 0.25));
      return json(res, 200, { tokens: Array.from({ length: n }, (_, i) => i) });
    }
    if (path !== '/v1/chat/completions') return json(res, 404, { error: { message: `no ${path}` } });
    const index = chatIndex++;
    const reply = typeof current === 'function' ? current(body, index) : (current[index] ?? { text: 'ok' });
    inFlight++;
    let finished = false;
    res.on('close', () => {
      inFlight--;
      if (!finished) aborted++;
    });
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if (reply.status && reply.status !== 200) {
      finished = true;
      return json(
        res,
        reply.status,
        reply.errorBody ?? { error: { message: 'scripted failure' } },
        reply.headers,
      );
    }
    if (body?.stream) {
      await streamReply(res, body, reply);
      finished = !reply.dieAfterChunks && reply.stallAfterChunks === undefined;
      return;
    }
    finished = true;
    json(res, 200, completion(body, reply));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    abortedCount: () => aborted,
    inFlight: () => inFlight,
    setScript(next) {
      current = next;
      chatIndex = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function finishReasonOf(reply: ScriptedReply): string {
  return reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
}

function usageOf(reply: ScriptedReply) {
  const u = reply.usage ?? { prompt: 11, completion: 7 };
  return {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    ...(u.cached ? { prompt_tokens_details: { cached_tokens: u.cached } } : {}),
  };
}

function completion(body: LooseJson, reply: ScriptedReply) {
  return {
    id: 'chatcmpl-scripted',
    object: 'chat.completion',
    created: 1,
    model: body?.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          ...(reply.reasoning ? { reasoning_content: reply.reasoning } : {}),
          ...(reply.toolCalls?.length
            ? {
                tool_calls: reply.toolCalls.map((c, i) => ({
                  id: c.id ?? `call_${i}`,
                  type: 'function',
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        },
        finish_reason: finishReasonOf(reply),
        ...(reply.stopReason ? { stop_reason: reply.stopReason } : {}),
      },
    ],
    usage: usageOf(reply),
  };
}

async function streamReply(res: http.ServerResponse, body: LooseJson, reply: ScriptedReply): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const base = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1, model: body?.model };
  const chunks: object[] = [];
  const choice = (delta: object, finish: string | null = null, extra: object = {}) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish, ...extra }],
  });
  chunks.push(choice({ role: 'assistant', content: '' }));
  if (reply.reasoning) chunks.push(choice({ reasoning_content: reply.reasoning }));
  for (const delta of reply.deltas ?? []) chunks.push(choice(delta));
  for (const piece of splitText(reply.text ?? '')) chunks.push(choice({ content: piece }));
  (reply.toolCalls ?? []).forEach((call, i) => {
    chunks.push(
      choice({
        tool_calls: [
          {
            index: i,
            id: call.id ?? `call_${i}`,
            type: 'function',
            function: { name: call.name, arguments: '' },
          },
        ],
      }),
    );
    for (const piece of splitText(call.arguments))
      chunks.push(choice({ tool_calls: [{ index: i, function: { arguments: piece } }] }));
  });
  chunks.push(choice({}, finishReasonOf(reply), reply.stopReason ? { stop_reason: reply.stopReason } : {}));
  if (body?.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage: usageOf(reply) });
  for (let i = 0; i < chunks.length; i++) {
    if (reply.stallAfterChunks !== undefined && i >= reply.stallAfterChunks) {
      await new Promise((resolve) => res.once('close', resolve));
      return;
    }
    if (reply.dieAfterChunks !== undefined && i >= reply.dieAfterChunks) {
      res.socket?.destroy();
      return;
    }
    res.write(`data: ${JSON.stringify(chunks[i])}\n\n`);
    if (reply.streamError && i === 0) {
      res.end(
        `error: ${JSON.stringify({ error: { code: 500, message: reply.streamError, type: 'server_error' } })}\n\n`,
      );
      return;
    }
    await sleep(0);
  }
  res.end('data: [DONE]\n\n');
}

function splitText(text: string): string[] {
  if (!text) return [];
  const third = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += third) out.push(text.slice(i, i + third));
  return out;
}

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
