import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { gatewayOptionsFromPlan } from '../../src/gateway/options-from-plan.js';
import { validatePlan } from '../../src/plan/validate-plan.js';
import { type AnthropicCloudDouble, startAnthropicCloudDouble } from './anthropic-cloud-double.js';
import { type GatewayFixture, post, startFixture } from './gateway-fixture.js';

const KEY = 'sk-ant-test-key';

const planWithRules = (rules: unknown) => ({
  version: 1,
  engines: [{ engine: 'external', name: 'coder', baseUrl: 'http://127.0.0.1:9/v1', contextLength: 32768 }],
  gateway: { cloud: { mode: 'local-first', rules } },
});

describe('task rules in the Plan', () => {
  it('reach the gateway options as written', () => {
    const rules = [
      { name: 'opus-to-cloud', when: { tier: ['opus'] }, route: 'cloud' },
      { name: 'weak-at-tools', when: { taskKind: ['tool-use'], localPassRateBelow: 0.5 }, route: 'cloud' },
    ];
    const { plan, problems } = validatePlan(planWithRules(rules), { planDir: '/tmp' });
    assert.deepEqual(problems, []);
    assert.deepEqual(gatewayOptionsFromPlan(plan!, { ANTHROPIC_API_KEY: KEY }).cloud?.rules, rules);
  });

  it('a bad rule is refused with the path of each problem', () => {
    const { plan, problems } = validatePlan(
      planWithRules([
        { name: 'Bad Name', when: { tier: ['gpt'], localPassRateBelow: 2 }, route: 'elsewhere' },
      ]),
      { planDir: '/tmp' },
    );
    assert.equal(plan, undefined);
    const paths = problems.map((p) => p.path).sort();
    assert.deepEqual(paths, [
      'gateway.cloud.rules[0].name',
      'gateway.cloud.rules[0].route',
      'gateway.cloud.rules[0].when.localPassRateBelow',
      'gateway.cloud.rules[0].when.tier[0]',
    ]);
  });
});

describe('routing by task through the gateway (cloud double for Anthropic’s API, scripted upstream for the model)', () => {
  let cloud: AnthropicCloudDouble;
  let f: GatewayFixture;
  beforeAll(async () => {
    cloud = await startAnthropicCloudDouble(KEY);
    f = await startFixture(() => ({ text: 'local answer', usage: { prompt: 20, completion: 3 } }), {
      options: {
        env: { ANTHROPIC_API_KEY: KEY },
        cloud: {
          mode: 'local-first',
          baseUrl: cloud.url,
          rules: [
            { name: 'opus-to-cloud', when: { tier: ['opus'] }, route: 'cloud' },
            { name: 'deep-loops', when: { toolLoopDepthAbove: 2 }, route: 'cloud' },
            {
              name: 'weak-at-tools',
              when: { taskKind: ['tool-use'], localPassRateBelow: 0.5 },
              route: 'cloud',
            },
          ],
        },
        // The local model's measured eval: fine at code, weak at tool use.
        capacityFacts: { coder: { evalPassRates: { code: 0.8, 'tool-use': 0.3 } } },
      },
    });
  });
  afterAll(async () => {
    await f.close();
    await cloud.close();
  });

  const tools = [
    { name: 'Read', input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
  ];
  const loop = (depth: number) => {
    const messages: unknown[] = [{ role: 'user', content: 'fix it' }];
    for (let i = 0; i < depth; i++) {
      messages.push({
        role: 'assistant',
        content: [{ type: 'tool_use', id: `t${i}`, name: 'Read', input: { path: 'a' } }],
      });
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: 'x' }] });
    }
    return messages;
  };
  const cases: {
    name: string;
    body: Record<string, unknown>;
    route: string;
    reason: string;
    rule?: string;
  }[] = [
    {
      name: 'sonnet, plain code: local by preference',
      body: { model: 'claude-sonnet-4-5' },
      route: 'local',
      reason: 'local-preferred',
    },
    {
      name: 'opus: the cloud by rule',
      body: { model: 'claude-opus-4-8' },
      route: 'cloud',
      reason: 'task-rule',
      rule: 'opus-to-cloud',
    },
    {
      name: 'a deep tool loop: the cloud by rule',
      body: { model: 'claude-sonnet-4-5', messages: loop(3) },
      route: 'cloud',
      reason: 'task-rule',
      rule: 'deep-loops',
    },
    {
      name: 'tool use where the local eval is weak: the cloud by rule',
      body: { model: 'claude-sonnet-4-5', tools, messages: loop(1) },
      route: 'cloud',
      reason: 'task-rule',
      rule: 'weak-at-tools',
    },
    {
      name: 'a local alias, shallow loop, no tools: local',
      body: { model: 'quality', messages: loop(2) },
      route: 'local',
      reason: 'local-preferred',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const before = cloud.requests.length;
      const res = await post(`${f.url}/v1/messages`, {
        max_tokens: 32,
        messages: [{ role: 'user', content: 'hello' }],
        ...c.body,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(cloud.requests.length - before, c.route === 'cloud' ? 1 : 0);
      const record = f.usage.at(-1)!;
      assert.equal(record.route, c.route);
      assert.equal(record.routeReason, c.reason);
      assert.equal(record.routeRule, c.rule);
    });
  }

  it('leased work stays on the slots it leased, whatever the rules say', async () => {
    const lease = await post(`${f.url}/ops/v1/leases`, { model: 'coder', slots: 1, ttl_s: 30 });
    assert.equal(lease.status, 201);
    const before = cloud.requests.length;
    const res = await post(
      `${f.url}/v1/messages`,
      { model: 'claude-opus-4-8', max_tokens: 32, messages: [{ role: 'user', content: 'hello' }] },
      { 'x-ops-lease': lease.json().id },
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(cloud.requests.length, before);
    const record = f.usage.at(-1)!;
    assert.deepEqual([record.route, record.routeReason, record.routeRule], ['local', 'leased', undefined]);
    await fetch(`${f.url}/ops/v1/leases/${lease.json().id}`, { method: 'DELETE' });
  });

  it('a rule’s cloud when the cloud is unreachable: local, with the reason and the rule recorded', async () => {
    await cloud.close();
    const res = await post(`${f.url}/v1/messages`, {
      model: 'claude-opus-4-8',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'hello' }],
    });
    // local-first: the cloud's failure is the answer for a request the rules sent there.
    assert.ok(res.status >= 500, res.text);
    const next = await post(`${f.url}/v1/messages`, {
      model: 'claude-opus-4-8',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(next.status, 200, next.text);
    const record = f.usage.at(-1)!;
    assert.deepEqual(
      [record.route, record.routeReason, record.routeRule],
      ['local', 'cloud-down', 'opus-to-cloud'],
    );
    cloud = await startAnthropicCloudDouble(KEY);
  });
});
