import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { checkJsonSchema } from '../../src/eval/json-schema-check.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { upstreamsFromPlan } from '../../src/gateway/upstreams-from-plan.js';
import { writeSmokeModel } from '../../src/models/smoke-model.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { deployUp } from '../../src/runtime/deployer.js';
import {
  type DockerTestKit,
  dockerTestKit,
  freePort,
  TEST_ENGINE_IMAGE,
  testDeploymentName,
} from '../support/docker-test-kit.js';
import { testModelLocator } from '../support/model-locator.js';
import { checkAnthropicStream } from './anthropic-stream-checker.js';
import { post } from './gateway-fixture.js';

/**
 * Two tools whose schemas bound every value (string lengths, enums, integer ranges), so that even random
 * weights finish a call in a few dozen tokens: the smoke model never chooses to close a string by itself.
 */
const TOOLS = [
  {
    name: 'open_file',
    description: 'Opens a file.',
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string', minLength: 1, maxLength: 12 },
        mode: { enum: ['read', 'write', 'append'] },
        lines: { type: 'integer', minimum: 1, maximum: 500 },
        follow: { type: 'boolean' },
      },
      required: ['path', 'mode'],
      additionalProperties: false,
    },
  },
  {
    name: 'set_level',
    description: 'Sets the log level.',
    input_schema: {
      type: 'object',
      properties: {
        level: { type: 'integer', minimum: 0, maximum: 5 },
        tags: { type: 'array', items: { enum: ['a', 'b', 'c'] } },
      },
      required: ['level'],
      additionalProperties: false,
    },
  },
];

/** The problems with one tool_use block: an offered name, input valid against that tool's schema. */
function callProblems(block: { type: string; name?: string; input?: unknown }): string[] {
  if (block.type !== 'tool_use') return [`a ${block.type} block`];
  const tool = TOOLS.find((t) => t.name === block.name);
  if (!tool) return [`unknown tool ${block.name}`];
  const problems = checkJsonSchema(block.input, tool.input_schema);
  // json-schema-check reads no string lengths; the grammar holds them too.
  const path = (block.input as { path?: unknown }).path;
  if (typeof path === 'string' && (path.length < 1 || path.length > 12))
    problems.push(`path length ${path.length}`);
  return problems;
}

/**
 * The real llama.cpp engine serving the smoke model (random weights: its own choices are noise) behind a Plan
 * entry with `toolCalls: constrained`: what the grammar guarantees is exactly what is left to check — every
 * answer is a call of an offered tool whose arguments match its schema.
 */
describe('constrained tool calls against the real llama.cpp engine', { timeout: 600_000 }, () => {
  let kit: DockerTestKit;
  let gateway: Gateway;
  let url: string;
  const deployment = testDeploymentName();

  beforeAll(async () => {
    kit = await dockerTestKit();
    const model = join(kit.dir, 'smoke.gguf');
    await writeSmokeModel({ out: model, size: 'tiny', seed: 11 });
    const { plan, problems } = validatePlan(
      {
        version: 1,
        deployment,
        engines: [
          {
            engine: 'llama.cpp',
            name: 'unreliable',
            image: TEST_ENGINE_IMAGE,
            model,
            contextLength: 4096,
            parallel: 1,
            port: await freePort(),
            healthTimeoutS: 120,
            toolCalls: 'constrained',
          },
        ],
      },
      { planDir: kit.dir },
    );
    assert.deepEqual(problems, []);
    await deployUp(plan!, kit.runtime, new EventBus(), { models: testModelLocator(kit.dir) });
    gateway = createGateway({ upstreams: upstreamsFromPlan(plan!) });
    url = await gateway.listen(0);
  });
  afterAll(async () => {
    await gateway?.close();
    await kit?.cleanup(deployment);
  });

  const request = (extra: object) => ({
    model: 'unreliable',
    max_tokens: 400,
    tools: TOOLS,
    messages: [{ role: 'user', content: 'open the log file' }],
    ...extra,
  });

  it('tool_choice any: the answer is a valid call of one of the offered tools (complete answer)', async () => {
    for (const ask of ['open the log file', 'turn the logging down']) {
      const r = await post(
        `${url}/v1/messages`,
        request({ tool_choice: { type: 'any' }, messages: [{ role: 'user', content: ask }] }),
      );
      assert.equal(r.status, 200, r.text);
      const message = r.json();
      const calls = message.content.filter((b: { type: string }) => b.type === 'tool_use');
      assert.ok(calls.length >= 1, r.text);
      for (const block of message.content) assert.deepEqual(callProblems(block), [], JSON.stringify(block));
      assert.equal(message.stop_reason, 'tool_use');
    }
  });

  it('a named tool, one call at a time: exactly that call, schema-valid (streamed)', async () => {
    const r = await post(
      `${url}/v1/messages`,
      request({
        stream: true,
        tool_choice: { type: 'tool', name: 'set_level', disable_parallel_tool_use: true },
      }),
    );
    assert.equal(r.status, 200, r.text);
    const s = checkAnthropicStream(r.text);
    assert.equal(s.error, null, JSON.stringify(s.error));
    assert.equal(s.stopReason, 'tool_use');
    assert.equal(s.content.length, 1, JSON.stringify(s.content));
    assert.equal(s.content[0].name, 'set_level');
    assert.deepEqual(callProblems(s.content[0]), [], JSON.stringify(s.content[0]));
  });
});
