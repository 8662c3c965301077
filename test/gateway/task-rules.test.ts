import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { MessagesRequest } from '../../src/gateway/anthropic/types.js';
import { decideTarget, type TargetInputs } from '../../src/gateway/hybrid/decide-target.js';
import { profileTask } from '../../src/gateway/hybrid/task-profile.js';
import { ruleMatches, type TaskFacts, type TaskRule } from '../../src/gateway/hybrid/task-rules.js';

const task: TaskFacts = {
  tier: 'sonnet',
  promptTokens: 5000,
  toolLoopDepth: 2,
  kind: 'tool-use',
  localPassRate: 0.7,
};

describe('task rule conditions', () => {
  const table: [string, TaskRule['when'], Partial<TaskFacts>, boolean][] = [
    ['no conditions: always', {}, {}, true],
    ['tier listed', { tier: ['opus', 'sonnet'] }, {}, true],
    ['tier not listed', { tier: ['opus'] }, {}, false],
    ['no tier (a local model name) never matches a tier', { tier: ['opus'] }, { tier: undefined }, false],
    ['prompt above', { promptTokensAbove: 4999 }, {}, true],
    ['prompt at the bound is not above', { promptTokensAbove: 5000 }, {}, false],
    ['tool loop deeper', { toolLoopDepthAbove: 1 }, {}, true],
    ['tool loop not deeper', { toolLoopDepthAbove: 2 }, {}, false],
    ['task kind', { taskKind: ['code'] }, {}, false],
    ['pass rate below', { localPassRateBelow: 0.8 }, {}, true],
    ['pass rate not below', { localPassRateBelow: 0.7 }, {}, false],
    [
      'no eval run: a quality condition does not hold',
      { localPassRateBelow: 0.99 },
      { localPassRate: undefined },
      false,
    ],
    ['all must hold', { tier: ['sonnet'], promptTokensAbove: 10_000 }, {}, false],
    ['all hold', { tier: ['sonnet'], taskKind: ['tool-use'], toolLoopDepthAbove: 0 }, {}, true],
  ];
  for (const [name, when, over, expected] of table)
    it(name, () => assert.equal(ruleMatches(when, { ...task, ...over }), expected));
});

describe('decideTarget with task rules', () => {
  const rules: TaskRule[] = [
    { name: 'opus-to-cloud', when: { tier: ['opus'] }, route: 'cloud' },
    { name: 'haiku-stays-local', when: { tier: ['haiku'] }, route: 'local' },
    { name: 'long-prompts', when: { promptTokensAbove: 20_000 }, route: 'cloud' },
    { name: 'deep-loops', when: { toolLoopDepthAbove: 10 }, route: 'cloud' },
    { name: 'weak-at-tools', when: { taskKind: ['tool-use'], localPassRateBelow: 0.5 }, route: 'cloud' },
  ];
  const calm: TargetInputs = {
    mode: 'local-first',
    localDown: false,
    localQueued: 0,
    overflowQueueDepth: 8,
    promptTokens: 5000,
    largestLocalContext: 32768,
    cloudDown: false,
    budgetSpent: false,
    rules,
    task,
  };
  const table: [string, Partial<TargetInputs>, Partial<TaskFacts>, string, string, string | undefined][] = [
    ['no rule matches: the mode decides', {}, {}, 'local', 'local-preferred', undefined],
    ['opus tier to the cloud', {}, { tier: 'opus' }, 'cloud', 'task-rule', 'opus-to-cloud'],
    [
      'a long prompt to the cloud though it fits locally',
      {},
      { promptTokens: 25_000 },
      'cloud',
      'task-rule',
      'long-prompts',
    ],
    ['a deep tool loop to the cloud', {}, { toolLoopDepth: 11 }, 'cloud', 'task-rule', 'deep-loops'],
    ['weak local eval for tool use', {}, { localPassRate: 0.4 }, 'cloud', 'task-rule', 'weak-at-tools'],
    ['first match wins', {}, { tier: 'opus', promptTokens: 25_000 }, 'cloud', 'task-rule', 'opus-to-cloud'],
    [
      'cloud-first, a local rule keeps it local',
      { mode: 'cloud-first' },
      { tier: 'haiku' },
      'local',
      'task-rule',
      'haiku-stays-local',
    ],
    ['cloud-first without a rule: cloud', { mode: 'cloud-first' }, {}, 'cloud', 'cloud-preferred', undefined],
    [
      'a local rule still overflows when local is full',
      { localQueued: 8 },
      { tier: 'haiku' },
      'cloud',
      'local-overloaded',
      'haiku-stays-local',
    ],
    [
      'a cloud rule, but the cloud is down',
      { cloudDown: true },
      { tier: 'opus' },
      'local',
      'cloud-down',
      'opus-to-cloud',
    ],
    [
      'a cloud rule, but the week’s cap is spent',
      { budgetSpent: true },
      { tier: 'opus' },
      'local',
      'cloud-budget-spent',
      'opus-to-cloud',
    ],
    [
      'a local rule, but local is down',
      { localDown: true },
      { tier: 'haiku' },
      'cloud',
      'local-down',
      'haiku-stays-local',
    ],
    [
      'local-only: rules do not apply',
      { mode: 'local-only' },
      { tier: 'opus' },
      'local',
      'local-only',
      undefined,
    ],
  ];
  for (const [name, over, facts, target, reason, rule] of table) {
    it(name, () => {
      const decided = decideTarget({ ...calm, ...over, task: { ...task, ...facts } });
      assert.deepEqual(decided, { target, reason, ...(rule ? { rule } : {}) });
    });
  }
});

describe('profileTask', () => {
  const request = (over: Partial<MessagesRequest>): MessagesRequest => ({
    model: 'claude-opus-4-8',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'fix the bug' }],
    ...over,
  });
  it('reads the tier from a Claude model name, none from a local alias', () => {
    assert.equal(profileTask(request({})).tier, 'opus');
    assert.equal(profileTask(request({ model: 'claude-3-5-haiku-latest' })).tier, 'haiku');
    assert.equal(profileTask(request({ model: 'quality' })).tier, undefined);
  });
  it('counts tool results since the user last wrote, and tells tool use from code', () => {
    const toolResult = (id: string) => ({ type: 'tool_result' as const, tool_use_id: id, content: 'ok' });
    const toolUse = (id: string) => ({ type: 'tool_use' as const, id, name: 'Read', input: {} });
    const r = request({
      tools: [{ name: 'Read', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'old task' },
        { role: 'assistant', content: [toolUse('a')] },
        { role: 'user', content: [toolResult('a')] },
        { role: 'user', content: 'new task' },
        { role: 'assistant', content: [toolUse('b'), toolUse('c')] },
        { role: 'user', content: [toolResult('b'), toolResult('c')] },
        { role: 'assistant', content: [toolUse('d')] },
        { role: 'user', content: [toolResult('d')] },
      ],
    } as Partial<MessagesRequest>);
    assert.deepEqual(profileTask(r), { tier: 'opus', toolLoopDepth: 3, kind: 'tool-use' });
    assert.deepEqual(profileTask(request({})), { tier: 'opus', toolLoopDepth: 0, kind: 'code' });
  });
});
