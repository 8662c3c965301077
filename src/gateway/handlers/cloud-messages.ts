import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MessagesRequest } from '../anthropic/types.js';
import type { GatewayContext } from '../gateway-context.js';
import { clampRetryAfterS, GatewayError, toGatewayError } from '../gateway-error.js';
import { sendRaw } from '../http-reply.js';
import type { Target } from '../hybrid/decide-target.js';
import { CLOUD_UPSTREAM_NAME, type HybridRouter, isUnreachable } from '../hybrid/hybrid-router.js';
import { SseParser, sseFrame } from '../sse-parser.js';
import type { UpstreamAnswer } from '../upstream-answer.js';

/** The cloud answered (well or with the client's own mistake), or refused / could not be reached. */
export type CloudOutcome = { answered: true } | { answered: false; error: GatewayError };

interface CloudUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/**
 * Sends an Anthropic Messages request to the cloud and relays the answer byte for byte (the cloud speaks
 * the client's protocol, so nothing is translated); usage is read from the passing events. When the cloud
 * cannot take the request (unreachable, 429, 5xx, 529) nothing has been sent to the client yet and the
 * caller may try local instead.
 */
export async function forwardMessagesToCloud(
  gw: GatewayContext,
  hybrid: HybridRouter,
  req: IncomingMessage,
  res: ServerResponse,
  request: MessagesRequest,
  startedAt: number,
  signal: AbortSignal,
  decision?: Target,
): Promise<CloudOutcome> {
  const stream = request.stream === true;
  const body = JSON.stringify({ ...request, model: hybrid.cloudModel(request.model) });
  let upstreamRes: UpstreamAnswer;
  try {
    upstreamRes = await hybrid.cloud.postMessages(body, req.headers, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    if (isUnreachable(error)) hybrid.markDown(CLOUD_UPSTREAM_NAME);
    return { answered: false, error: toGatewayError(error) };
  }
  const status = upstreamRes.status;
  if (status === 429 || status >= 500) {
    const text = await upstreamRes.text();
    return { answered: false, error: cloudRefusal(status, text, upstreamRes.headers['retry-after']) };
  }
  const record = (usage: CloudUsage, ttftMs: number | null, finalStatus: number) => {
    const inputTokens =
      (usage.input_tokens ?? 0) +
      (usage.cache_read_input_tokens ?? 0) +
      (usage.cache_creation_input_tokens ?? 0);
    const outputTokens = usage.output_tokens ?? 0;
    hybrid.budget.record(inputTokens, outputTokens);
    gw.recordUsage({
      api: 'anthropic',
      model: request.model,
      upstream: CLOUD_UPSTREAM_NAME,
      route: 'cloud',
      inputTokens,
      // Billed at the cloud's cache rates (docs.anthropic.com, "Prompt caching": usage fields).
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
      outputTokens,
      latencyMs: Date.now() - startedAt,
      ttftMs,
      status: finalStatus,
      stream,
      cached: false,
      ...(decision ? { routeReason: decision.reason } : {}),
      ...(decision?.rule ? { routeRule: decision.rule } : {}),
    });
  };

  const contentType = String(upstreamRes.headers['content-type'] ?? 'application/json');
  if (status !== 200 || !contentType.startsWith('text/event-stream')) {
    // A 4xx is the client's own mistake (bad request, too long even for the cloud): it is relayed as is.
    const text = await upstreamRes.text();
    sendRaw(res, status, text, { 'x-ops-route': 'cloud' });
    let usage: CloudUsage = {};
    try {
      usage = (JSON.parse(text) as { usage?: CloudUsage }).usage ?? {};
    } catch {
      // Not JSON: nothing to count.
    }
    record(usage, status === 200 ? Date.now() - startedAt : null, status);
    return { answered: true };
  }

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-ops-route': 'cloud',
  });
  res.socket?.setNoDelay(true);
  const parser = new SseParser();
  const usage: CloudUsage = {};
  let firstTokenAt: number | undefined;
  let stopped = false;
  try {
    for await (const text of upstreamRes.chunks()) {
      res.write(text);
      for (const event of parser.feed(text)) {
        if (event.event === 'message_start') Object.assign(usage, parseData(event.data)?.message?.usage);
        else if (event.event === 'message_delta') Object.assign(usage, parseData(event.data)?.usage);
        else if (event.event === 'content_block_delta') firstTokenAt ??= Date.now();
        else if (event.event === 'message_stop' || event.event === 'error') stopped = true;
      }
    }
  } catch (error) {
    if (signal.aborted) throw error;
  }
  if (!stopped) {
    // Told in-band, as the Anthropic API itself reports a failure after the stream began.
    const failure = new GatewayError('upstream', 'cloud API closed the stream before it finished');
    res.write(sseFrame('error', { type: 'error', error: { type: 'api_error', message: failure.message } }));
    upstreamRes.destroy();
  }
  res.end();
  record(usage, firstTokenAt === undefined ? null : firstTokenAt - startedAt, stopped ? 200 : 502);
  return { answered: true };
}

// biome-ignore lint/suspicious/noExplicitAny: event payloads are read field by field and may lack any of them
function parseData(data: string): any {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** The cloud's 429 / 5xx / 529 as the error the client would see if no local path is tried. */
function cloudRefusal(status: number, text: string, retryAfter: string | string[] | undefined): GatewayError {
  let message = text.slice(0, 300);
  try {
    message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
  } catch {
    // Not JSON: keep the raw text.
  }
  const retryAfterS = clampRetryAfterS(Number(retryAfter) || 5);
  const said = `cloud API answered ${status}: ${message}`;
  if (status === 429) return new GatewayError('rate_limit', said, { retryAfterS });
  if (status === 529 || status === 503) return new GatewayError('overloaded', said, { retryAfterS });
  return new GatewayError('upstream', said, { status: 502 });
}
