/**
 * Stands in for Anthropic's cloud Messages API on loopback: checks the key, answers `/v1/messages`
 * (streamed or not) with a fixed reply and real-looking usage, and records what it was sent. Tests of the
 * hybrid policies count its requests to prove when the cloud was, and was not, called.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LooseJson } from './scripted-openai-upstream.js';

export interface CloudDoubleRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: LooseJson;
}

export interface AnthropicCloudDouble {
  /** Root URL (what GatewayOptions.cloud.baseUrl takes). */
  url: string;
  requests: CloudDoubleRequest[];
  /** Answer every request with this status (e.g. 529) until set back to 200. */
  failWith(status: number): void;
  close(): Promise<void>;
}

export const CLOUD_DOUBLE_REPLY = 'Hello from the cloud.';

/** Starts the double; `apiKey` is the only key it accepts. */
export async function startAnthropicCloudDouble(apiKey: string): Promise<AnthropicCloudDouble> {
  const requests: CloudDoubleRequest[] = [];
  let failStatus = 200;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers, body });
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.headers['x-api-key'] !== apiKey)
      return json(401, {
        type: 'error',
        error: { type: 'authentication_error', message: 'invalid x-api-key' },
      });
    if (path !== '/v1/messages')
      return json(404, { type: 'error', error: { type: 'not_found_error', message: path } });
    if (failStatus !== 200)
      return json(failStatus, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const inputTokens = Math.ceil(JSON.stringify(body).length / 4);
    const outputTokens = 5;
    const message = {
      id: 'msg_cloud_double',
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text: CLOUD_DOUBLE_REPLY }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    };
    if (!body.stream) return json(200, message);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    });
    send('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    });
    send('ping', { type: 'ping' });
    send('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: CLOUD_DOUBLE_REPLY },
    });
    send('content_block_stop', { type: 'content_block_stop', index: 0 });
    send('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: outputTokens },
    });
    send('message_stop', { type: 'message_stop' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failWith(status) {
      failStatus = status;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
