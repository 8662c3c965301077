import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

// Bad input to ops eval and ops bench: a clear message, a hint, exit 2, no stack trace, nothing started.
describe('ops eval / ops bench refuse bad input', () => {
  const home = mkdtempSync(join(tmpdir(), 'ops-eval-cli-'));
  const env = { OPS_HOME: home, ANTHROPIC_API_KEY: '' };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const cases: [string[], RegExp][] = [
    [
      ['eval', '--api', 'grpc', '--gateway', 'http://127.0.0.1:1'],
      /unknown API grpc[\s\S]*hint: use openai or anthropic/,
    ],
    [['eval', '--suite', 'no-such-suite'], /unknown suite no-such-suite[\s\S]*hint: use builtin, tools/],
    [['eval', '--suite', 'tools'], /no gateway to evaluate[\s\S]*hint: bring a deployment up/],
    [
      ['eval', '--suite', 'tools', '--baseline', 'anthropic'],
      /--baseline anthropic needs ANTHROPIC_API_KEY and a network/,
    ],
    [['eval', '--limit', '0'], /--limit must be a positive integer/],
    [
      ['eval', '--suite', 'agentic', '--baseline', 'anthropic'],
      /agentic suite runs against the local gateway only[\s\S]*hint: take the cloud baseline of the other suites/,
    ],
    [['eval', '--suite', 'agentic', '--agent-timeout', '0'], /--agent-timeout must be a positive integer/],
    [['bench'], /no deployment to measure[\s\S]*hint: bring one up first/],
  ];
  for (const [args, message] of cases) {
    it(`ops ${args.join(' ')}`, async () => {
      const result = await runCli(args, env, 60_000);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
    });
  }

  it('explains itself in --help', async () => {
    const eval_ = await runCli(['eval', '--help'], env, 60_000);
    assert.match(eval_.stdout, /--compare <models>/);
    assert.match(eval_.stdout, /--baseline <anthropic>/);
    assert.match(eval_.stdout, /agentic \(Claude Code fixes/);
    const bench = await runCli(['bench', '--help'], env, 60_000);
    assert.match(bench.stdout, /time to first token at 2K\/20K\/60K/);
  });
});
