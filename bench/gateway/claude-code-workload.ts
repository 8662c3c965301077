/**
 * A Claude-Code-shaped request: an 8 KB system prompt, 10 tools with JSON schemas and a short
 * conversation (about 15 KB in all), streamed, with Claude Code's large `max_tokens`.
 */
export function claudeCodeRequest(model = 'claude-sonnet-4-5'): Record<string, unknown> {
  const system =
    `You are an interactive CLI tool that helps users with software engineering tasks. ${'Follow the repository conventions, keep changes small, run the tests, and explain what changed. '.repeat(85)}`.slice(
      0,
      8192,
    );
  const tools = Array.from({ length: 10 }, (_, i) => ({
    name: `tool_${i}`,
    description: `Tool number ${i}: ${'reads, searches or edits files in the working tree and reports what it did. '.repeat(4)}`,
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Absolute path of the file to work on' },
        pattern: { type: 'string', description: 'A regular expression to look for' },
        limit: { type: 'integer', description: 'Largest number of results to return' },
      },
      required: ['path'],
    },
  }));
  return {
    model,
    max_tokens: 32000,
    stream: true,
    system: [{ type: 'text', text: system }],
    tools,
    messages: [
      {
        role: 'user',
        content: `Please look at src/index.ts and fix the failing test. ${'Context line. '.repeat(40)}`,
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me read the file first.' }] },
      { role: 'user', content: 'Go ahead.' },
    ],
  };
}
