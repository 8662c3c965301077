import { OpsError } from '../core/errors.js';
import { type HttpResponse, httpRequest } from '../http/http-client.js';

/** Which API the eval speaks to the gateway (or the cloud): the two a coding client uses. */
export type EvalApi = 'openai' | 'anthropic';

export interface ModelEndpoint {
  /** Base URL without `/v1` (the gateway's URL, or the cloud's). */
  url: string;
  api: EvalApi;
  model: string;
  /** Sent as `Authorization: Bearer` (OpenAI) or `x-api-key` (Anthropic) when set. */
  apiKey?: string;
  timeoutMs?: number;
}

export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

export interface ModelTurn {
  system: string;
  prompt: string;
  maxTokens: number;
  tools?: ToolDefinition[];
}

export interface ModelReply {
  text: string;
  toolCalls: { name: string; input: unknown; rawArguments?: string }[];
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
}

/** Anthropic's API version header value; the Messages API is stable under it. */
const ANTHROPIC_VERSION = '2023-06-01';

/**
 * One request, one answer, as any client of the gateway sends it: OpenAI chat completions or Anthropic Messages,
 * not streamed, temperature 0 (greedy: a rerun asks the same question the same way).
 */
export async function askModel(endpoint: ModelEndpoint, turn: ModelTurn): Promise<ModelReply> {
  const started = performance.now();
  const base = endpoint.url.replace(/\/+$/, '').replace(/\/v1$/, '');
  const anthropic = endpoint.api === 'anthropic';
  const body = anthropic
    ? {
        model: endpoint.model,
        max_tokens: turn.maxTokens,
        temperature: 0,
        system: turn.system,
        messages: [{ role: 'user', content: turn.prompt }],
        ...(turn.tools ? { tools: turn.tools } : {}),
      }
    : {
        model: endpoint.model,
        max_tokens: turn.maxTokens,
        temperature: 0,
        messages: [
          { role: 'system', content: turn.system },
          { role: 'user', content: turn.prompt },
        ],
        ...(turn.tools
          ? {
              tools: turn.tools.map((t) => ({
                type: 'function',
                function: { name: t.name, description: t.description, parameters: t.input_schema },
              })),
            }
          : {}),
      };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (anthropic) {
    headers['anthropic-version'] = ANTHROPIC_VERSION;
    if (endpoint.apiKey) headers['x-api-key'] = endpoint.apiKey;
  } else if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
  const url = `${base}/v1/${anthropic ? 'messages' : 'chat/completions'}`;
  let response: HttpResponse;
  try {
    response = await httpRequest(url, { headers, json: body, timeoutMs: endpoint.timeoutMs ?? 300_000 });
  } catch (cause) {
    throw new OpsError(`no answer from ${url}: ${(cause as Error).message}`, {
      cause,
      hint: 'is the deployment up (ops status)? pass the gateway URL with --gateway',
    });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new OpsError(`${url} answered ${response.status}: ${text.slice(0, 300)}`, {
      hint:
        response.status === 404 ? `is ${endpoint.model} a model the gateway serves? (ops status)` : undefined,
    });
  }
  const json = JSON.parse(text);
  const latencyMs = performance.now() - started;
  if (anthropic) {
    const blocks = (json.content ?? []) as { type: string; text?: string; name?: string; input?: unknown }[];
    return {
      text: blocks
        .filter((b) => b.type === 'text')
        .map((b) => b.text)
        .join(''),
      toolCalls: blocks
        .filter((b) => b.type === 'tool_use')
        .map((b) => ({ name: b.name ?? '', input: b.input })),
      latencyMs,
      inputTokens: json.usage?.input_tokens ?? 0,
      outputTokens: json.usage?.output_tokens ?? 0,
    };
  }
  const message = json.choices?.[0]?.message ?? {};
  return {
    text: message.content ?? '',
    toolCalls: ((message.tool_calls ?? []) as { function: { name: string; arguments: string } }[]).map(
      (c) => ({
        name: c.function.name,
        input: parseJson(c.function.arguments),
        rawArguments: c.function.arguments,
      }),
    ),
    latencyMs,
    inputTokens: json.usage?.prompt_tokens ?? 0,
    outputTokens: json.usage?.completion_tokens ?? 0,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
