import { OpsError } from '../core/errors.js';
import { type HttpResponse, httpRequest } from '../http/http-client.js';

/**
 * Fixed prompts every new engine must answer before it takes traffic. They check the plumbing (the model
 * loads, generates, reports usage), not quality: the built-in smoke model has random weights.
 */
export const SMOKE_PROMPTS = [
  'Write a Python function that returns the sum of two numbers.',
  'In one sentence: what does HTTP status 404 mean?',
  'Reply with the single word: ready',
] as const;

/** The tool offered by the tool-call check. */
export const SMOKE_TOOL = {
  type: 'function',
  function: {
    name: 'read_file',
    description: 'Read a file from the repository',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', description: 'path relative to the repository root' } },
      required: ['path'],
    },
  },
} as const;

interface ChatAnswer {
  choices?: {
    finish_reason?: string | null;
    message?: {
      content?: string | null;
      reasoning_content?: string | null;
      tool_calls?: { function?: { name?: string; arguments?: string } }[];
    };
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

const SANE_FINISH = new Set(['stop', 'length', 'tool_calls']);

/** What is wrong with a plain answer, or undefined when it is well-formed (pure). */
export function problemWithAnswer(status: number, body: unknown): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  const answer = body as ChatAnswer | undefined;
  const choice = answer?.choices?.[0];
  if (!choice) return 'no choices in the answer';
  const text = `${choice.message?.content ?? ''}${choice.message?.reasoning_content ?? ''}`;
  if (text.length === 0 && !choice.message?.tool_calls?.length) return 'empty content';
  if (!SANE_FINISH.has(choice.finish_reason ?? '')) return `finish_reason ${String(choice.finish_reason)}`;
  const usage = answer?.usage;
  if (!usage || !(Number(usage.prompt_tokens) > 0) || !(Number(usage.completion_tokens) > 0))
    return 'usage missing or zero';
  return undefined;
}

/** What is wrong with the answer to the tool-call prompt, or undefined when it holds a valid call (pure). */
export function problemWithToolCall(status: number, body: unknown): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  const call = (body as ChatAnswer | undefined)?.choices?.[0]?.message?.tool_calls?.[0]?.function;
  if (!call) return 'no tool call in the answer';
  if (call.name !== SMOKE_TOOL.function.name)
    return `called ${String(call.name)}, not ${SMOKE_TOOL.function.name}`;
  try {
    const args = JSON.parse(call.arguments ?? '') as { path?: unknown };
    if (typeof args.path !== 'string') return 'tool call arguments lack "path"';
  } catch {
    return 'tool call arguments are not JSON';
  }
  return undefined;
}

/**
 * Sends the smoke prompts straight to an engine (not through the gateway: clients must not see it until it
 * passes), and the tool-call prompt when the model claims tool support. Throws an OpsError naming each failure.
 */
export async function smokeCheck(
  engine: { name: string; baseUrl: string; supportsTools: boolean },
  options: { timeoutMs?: number; maxTokens?: number } = {},
): Promise<void> {
  const url = `${engine.baseUrl.replace(/\/+$/, '')}/v1/chat/completions`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const problems: string[] = [];
  for (const prompt of SMOKE_PROMPTS) {
    try {
      const res = await httpRequest(url, {
        json: {
          model: engine.name,
          messages: [{ role: 'user', content: prompt }],
          max_tokens: options.maxTokens ?? 16,
          temperature: 0,
        },
        timeoutMs,
      });
      const problem = problemWithAnswer(res.status, await answerOf(res));
      if (problem) problems.push(`"${prompt}": ${problem}`);
    } catch (error) {
      problems.push(`"${prompt}": ${(error as Error).message}`);
    }
  }
  if (engine.supportsTools) {
    try {
      const res = await httpRequest(url, {
        json: {
          model: engine.name,
          messages: [{ role: 'user', content: 'Show me the contents of README.md.' }],
          tools: [SMOKE_TOOL],
          tool_choice: 'required',
          max_tokens: 128,
          temperature: 0,
        },
        timeoutMs,
      });
      const problem = problemWithToolCall(res.status, await answerOf(res));
      if (problem) problems.push(`tool call: ${problem}`);
    } catch (error) {
      problems.push(`tool call: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new OpsError(`engine ${engine.name} failed the smoke check:\n  - ${problems.join('\n  - ')}`, {
      hint: `read its log (ops logs ${engine.name}); the old engine keeps serving`,
    });
  }
}

/** The answer's JSON, or undefined when it is not JSON (the problem functions say what was expected). */
async function answerOf(res: HttpResponse): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
