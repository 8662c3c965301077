import { OpsError } from '../core/errors.js';
import { type HttpResponse, httpRequest } from '../http/http-client.js';

/** What one check of the gateway found. */
export interface RoundTripResult {
  model: string;
  toolCallMs: number;
  answerMs: number;
}

const TOOL = {
  name: 'read_clock',
  description: 'Returns the current time in a time zone.',
  input_schema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
};

/**
 * One tool round trip through the gateway, as Claude Code makes them: a request offering a tool (forced, so
 * the engine's grammar makes the call), then the tool's result sent back for the answer. Proves the gateway
 * is up, the model is served and the engine does tool calls (llama.cpp needs `--jinja`) before Claude Code
 * starts and fails at its first step instead. Throws an OpsError saying which step failed.
 */
export async function checkToolRoundTrip(input: {
  url: string;
  token: string;
  model: string;
  timeoutMs: number;
}): Promise<RoundTripResult> {
  const messages: object[] = [{ role: 'user', content: 'What time is it in UTC? Use the tool.' }];
  const send = async (step: string, extra: object) => {
    let res: HttpResponse;
    try {
      res = await httpRequest(`${input.url}/v1/messages`, {
        headers: { 'anthropic-version': '2023-06-01', authorization: `Bearer ${input.token}` },
        json: { model: input.model, max_tokens: 256, tools: [TOOL], messages, ...extra },
        timeoutMs: input.timeoutMs,
      });
    } catch (error) {
      throw new OpsError(`the gateway at ${input.url} did not answer the ${step}`, {
        hint: 'start it with `ops up` (or `ops gateway`), or pass --url; --no-check skips this check',
        cause: error,
        exitCode: 4,
      });
    }
    const body = (await res.json().catch(() => ({}))) as {
      content?: { type: string; id?: string; name?: string }[];
      error?: { message?: string };
    };
    if (!res.ok) {
      throw new OpsError(
        `the gateway refused the ${step}: ${res.status} ${body.error?.message ?? ''}`.trim(),
        {
          hint: 'check `ops status` and the gateway log; --no-check skips this check',
          exitCode: 4,
        },
      );
    }
    return body;
  };
  const started = Date.now();
  const first = await send('tool call', { tool_choice: { type: 'tool', name: TOOL.name } });
  const call = first.content?.find((b) => b.type === 'tool_use');
  if (!call?.id || call.name !== TOOL.name) {
    throw new OpsError(`model ${input.model} answered without calling the offered tool`, {
      hint: 'llama.cpp needs --jinja for tool calls, vLLM --enable-auto-tool-choice with a --tool-call-parser; --no-check skips this check',
      exitCode: 4,
    });
  }
  const toolCallMs = Date.now() - started;
  messages.push({ role: 'assistant', content: first.content });
  messages.push({
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: call.id, content: '12:00 UTC' }],
  });
  await send('tool result', {});
  return { model: input.model, toolCallMs, answerMs: Date.now() - started - toolCallMs };
}
