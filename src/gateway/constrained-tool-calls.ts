import type { ChatCompletionRequest, ChatMessage } from './openai/types.js';
import { toolCallGrammar } from './tool-call-grammar.js';
import type { UpstreamDescriptor } from './types.js';

/**
 * The chat request as a llama.cpp upstream whose Plan entry says `toolCalls: constrained` gets it: the tools
 * are described in the system prompt and the answer is held to a grammar of calls to them
 * (`tool-call-grammar.ts`), which llama-server applies while sampling (its `grammar` request field), so even
 * a model whose calls are unreliable writes calls that parse, name an offered tool and match its schema. The
 * gateway reads them back from the text form as it reads any text-form call (`text-tool-calls.ts`), so the
 * client sees ordinary tool calls.
 *
 * llama-server refuses a custom grammar together with `tools` ("Cannot use custom grammar constraints with
 * tools.", its chat parameter parsing), hence tools move into the prompt; and its own grammar for
 * `json_schema`/`response_format` and forced tool choice (built from the chat template) failed to initialise
 * on the smoke model's template, where a plain `grammar` works (measured on the Debian llama.cpp build
 * 11669). A request without tools, or with `tool_choice: none`, goes as it is. Pure.
 */
export function forUpstream(
  descriptor: Pick<UpstreamDescriptor, 'engine' | 'toolCalls'>,
  chat: ChatCompletionRequest,
): ChatCompletionRequest {
  if (descriptor.engine !== 'llama.cpp' || descriptor.toolCalls !== 'constrained') return chat;
  const choice = chat.tool_choice;
  if (!chat.tools?.length || choice === 'none') return chat;
  const named = typeof choice === 'object' ? choice.function.name : undefined;
  const offered = named ? chat.tools.filter((t) => t.function.name === named) : chat.tools;
  if (offered.length === 0) return chat;
  const grammar = toolCallGrammar(offered, {
    forced: choice === 'required' || named !== undefined,
    parallel: chat.parallel_tool_calls !== false,
  });
  const { tools: _tools, tool_choice: _choice, parallel_tool_calls: _parallel, ...rest } = chat;
  return { ...rest, messages: withToolsPrompt(chat.messages, offered), grammar };
}

/** The words that tell the model its tools and the one form a call takes (the form the grammar admits). */
export function toolsPrompt(tools: NonNullable<ChatCompletionRequest['tools']>): string {
  const lines = tools.map((t) =>
    JSON.stringify({
      name: t.function.name,
      description: t.function.description,
      parameters: t.function.parameters,
    }),
  );
  return [
    'You may call these tools. To call one, answer with exactly',
    '<tool_call>\n{"name": "TOOL NAME", "arguments": {ARGUMENTS AS JSON}}\n</tool_call>',
    'and nothing before it; several calls go one after another. The tools:',
    ...lines,
  ].join('\n');
}

/** The system prompt with the tools prompt after it (a new system message when there was none). */
function withToolsPrompt(
  messages: ChatMessage[],
  tools: NonNullable<ChatCompletionRequest['tools']>,
): ChatMessage[] {
  const prompt = toolsPrompt(tools);
  const [first, ...rest] = messages;
  if (first?.role === 'system')
    return [{ role: 'system', content: `${first.content}\n\n${prompt}` }, ...rest];
  return [{ role: 'system', content: prompt }, ...messages];
}
