import { OpsError } from '../core/errors.js';
import { type HttpResponse, httpRequest } from '../http/http-client.js';

interface MessagesReply {
  model?: string;
  content?: { type: string; text?: string }[];
  usage?: { input_tokens?: number; output_tokens?: number };
}

export interface SmokeResult {
  model: string;
  servedBy: string;
  outputTokens: number;
  latencyMs: number;
}

/** One Anthropic Messages request through the gateway, as Claude Code sends it (`?beta=true`, a Claude name). */
export async function sendMessage(
  gatewayUrl: string,
  apiKey: string,
  model: string,
  maxTokens: number,
  prompt: string,
): Promise<SmokeResult> {
  const started = performance.now();
  let res: HttpResponse;
  try {
    res = await httpRequest(`${gatewayUrl}/v1/messages?beta=true`, {
      headers: { 'anthropic-version': '2023-06-01', 'x-api-key': apiKey },
      json: { model, max_tokens: maxTokens, messages: [{ role: 'user', content: prompt }] },
      timeoutMs: 300_000,
    });
  } catch (cause) {
    throw new OpsError(`the gateway at ${gatewayUrl} did not answer`, {
      cause,
      hint: 'see ops status and ops logs gateway',
    });
  }
  const text = await res.text();
  if (!res.ok) {
    throw new OpsError(
      `smoke test: ${model} through the gateway failed: HTTP ${res.status}: ${text.slice(0, 300)}`,
      {
        hint: 'see ops status, ops logs <engine>',
      },
    );
  }
  const body = JSON.parse(text) as MessagesReply;
  const outputTokens = body.usage?.output_tokens ?? 0;
  if (!body.content?.length || outputTokens < 1) {
    throw new OpsError(`smoke test: ${model} answered with no tokens: ${text.slice(0, 300)}`);
  }
  return { model, servedBy: body.model ?? '?', outputTokens, latencyMs: performance.now() - started };
}
