import { join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { type EventBus, silentBus } from '../core/events.js';
import { readYamlFile } from '../core/read-yaml-file.js';
import { zodProblems } from '../core/validation.js';
import { BUILTIN_TASKS_DIR } from './builtin-suite.js';
import { checkJsonSchema } from './json-schema-check.js';
import { askModel, type ModelEndpoint, type ModelReply, type ToolDefinition } from './model-client.js';
import { mapLimited } from './run-code-suite.js';
import { spread } from './select-suites.js';
import { errorOutcome, type SuiteResult, startSuiteRun } from './summarize.js';
import type { TaskOutcome } from './types.js';

export const TOOLS_DIR = join(BUILTIN_TASKS_DIR, '..', 'tools');

const argCheck = z.union([z.object({ equals: z.string() }), z.object({ matches: z.string() })]);
const scenarioFile = z.object({
  scenarios: z
    .array(
      z.object({
        id: z.string(),
        prompt: z.string(),
        tool: z.string(),
        args: z.record(z.string(), argCheck),
      }),
    )
    .min(1),
});
export type ToolScenario = z.infer<typeof scenarioFile>['scenarios'][number];

/** Claude Code's tool definitions (captured from its own requests; see the file's capturedFrom) and the scenarios. */
export function loadToolSuite(dir: string = TOOLS_DIR): {
  tools: ToolDefinition[];
  scenarios: ToolScenario[];
} {
  const tools = (
    readYamlFile(join(dir, 'claude-code-tools.json'), 'tool definitions', 'they ship in eval/tools/') as {
      tools: ToolDefinition[];
    }
  ).tools;
  const file = join(dir, 'scenarios.yaml');
  const parsed = scenarioFile.safeParse(readYamlFile(file, 'tool scenarios', 'they ship in eval/tools/'));
  if (!parsed.success) throw new ValidationError(file, zodProblems(parsed.error));
  const names = new Set(tools.map((t) => t.name));
  const unknown = parsed.data.scenarios.filter((s) => !names.has(s.tool));
  if (unknown.length > 0)
    throw new ValidationError(
      file,
      unknown.map((s) => ({ path: s.id, message: `no tool named ${s.tool}` })),
    );
  return { tools, scenarios: parsed.data.scenarios };
}

/** Grades one reply (pure): right tool first, arguments that parse, satisfy the schema, and match the checks. */
export function gradeToolCall(
  scenario: ToolScenario,
  reply: Pick<ModelReply, 'toolCalls'>,
  tools: ToolDefinition[],
): { passed: boolean; detail?: string } {
  const call = reply.toolCalls[0];
  if (!call) return { passed: false, detail: 'no tool call' };
  if (call.name !== scenario.tool)
    return { passed: false, detail: `called ${call.name}, expected ${scenario.tool}` };
  // The gateway hands unparseable arguments on as `{ _raw }` (src/gateway/anthropic/from-openai.ts).
  const raw = (call.input as { _raw?: unknown } | undefined)?._raw;
  if (call.input === undefined || typeof raw === 'string')
    return { passed: false, detail: `arguments do not parse: ${String(raw ?? call.rawArguments ?? '')}` };
  const schema = tools.find((t) => t.name === call.name)!.input_schema;
  const problems = checkJsonSchema(call.input, schema);
  if (problems.length > 0) return { passed: false, detail: `schema: ${problems.join('; ')}` };
  const input = call.input as Record<string, unknown>;
  for (const [field, check] of Object.entries(scenario.args)) {
    const value = input[field];
    const ok =
      typeof value === 'string' &&
      ('equals' in check ? value === check.equals : regexOf(check.matches).test(value));
    if (!ok)
      return {
        passed: false,
        detail: `${field} = ${JSON.stringify(value)} does not satisfy ${JSON.stringify(check)}`,
      };
  }
  return { passed: true };
}

/** `(?s)` at the start means dot matches newlines (as in RE2/Python); the rest is a JavaScript regex. */
function regexOf(pattern: string): RegExp {
  return pattern.startsWith('(?s)') ? new RegExp(pattern.slice(4), 's') : new RegExp(pattern);
}

const TOOL_SYSTEM_PROMPT =
  'You are a coding agent working in the repository at /repo. Use the tools to act; call exactly one tool now.';

/** Runs every scenario against the endpoint with Claude Code's tools attached and summarises. */
export async function runToolSuite(options: {
  endpoint: ModelEndpoint;
  dir?: string;
  target?: SuiteResult['target'];
  variant?: string;
  concurrency?: number;
  maxTokens?: number;
  /** At most this many scenarios, spread over the suite. */
  limit?: number;
  bus?: EventBus;
}): Promise<SuiteResult> {
  const bus = options.bus ?? silentBus();
  const loaded = loadToolSuite(options.dir);
  const tools = loaded.tools;
  const scenarios = options.limit === undefined ? loaded.scenarios : spread(loaded.scenarios, options.limit);
  const run = startSuiteRun({
    suite: 'tools',
    kind: 'tools',
    model: options.endpoint.model,
    api: options.endpoint.api,
    target: options.target,
    variant: options.variant,
  });
  let done = 0;
  const outcomes = await mapLimited(
    scenarios,
    options.concurrency ?? 2,
    async (scenario): Promise<TaskOutcome> => {
      const head = { id: scenario.id, suite: 'tools', language: 'tool-use' as const, band: scenario.tool };
      try {
        const reply = await askModel(options.endpoint, {
          system: TOOL_SYSTEM_PROMPT,
          prompt: scenario.prompt,
          maxTokens: 1024,
          tools,
        });
        const grade = gradeToolCall(scenario, reply, tools);
        return {
          ...head,
          passed: grade.passed,
          status: grade.passed ? 'passed' : 'failed',
          latencyMs: Math.round(reply.latencyMs),
          testMs: 0,
          ...(grade.detail ? { detail: grade.detail } : {}),
        };
      } catch (error) {
        return errorOutcome(head, (error as Error).message);
      } finally {
        bus.emit({
          kind: 'progress',
          step: 'eval tools',
          done: ++done,
          total: scenarios.length,
          unit: 'items',
        });
      }
    },
  );
  return run.finish(outcomes);
}
