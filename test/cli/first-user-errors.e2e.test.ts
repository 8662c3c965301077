import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

/** What a first user mistypes: each is exit 2 naming the flag and the value, and never a stack trace. */
describe('ops on mistyped numbers and ids', { timeout: 180_000 }, () => {
  const home = mkdtempSync(join(tmpdir(), 'ops-first-user-'));
  const env = { OPS_HOME: home };
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const noStack = (stderr: string) => {
    assert.doesNotMatch(stderr, /internal error/);
    assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
  };

  const badNumbers: [string[], RegExp][] = [
    [
      ['plan', '--context', 'abc'],
      /option '--context <tokens>' argument 'abc' is invalid\. expected a whole number from 1 up/,
    ],
    [['plan', '--agents', '0'], /option '--agents <n>' argument '0' is invalid/],
    [
      ['plan', '--port-base', '70000'],
      /option '--port-base <port>' argument '70000' is invalid\. .*from 1 to 65535/,
    ],
    [
      ['setup', '--dry-run', '--gateway-port', '8o80'],
      /option '--gateway-port <port>' argument '8o80' is invalid/,
    ],
    [
      ['models', 'pull', 'a/b', '--connections', 'many'],
      /option '--connections <n>' argument 'many' is invalid/,
    ],
    [['models', 'smoke', '--seed', '-1'], /option '--seed <n>' argument '-1' is invalid/],
    [['logs', 'coder', '--tail', '1.5'], /option '-n, --tail <lines>' argument '1\.5' is invalid/],
    [['gateway', '--port', 'http'], /option '--port <n>' argument 'http' is invalid/],
    [['agent', '--metrics-port', '99999'], /option '--metrics-port <n>' argument '99999' is invalid/],
  ];
  for (const [args, message] of badNumbers)
    it(`ops ${args.join(' ')} → exit 2 naming the flag`, async () => {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      noStack(r.stderr);
    });

  it('ops plan --models with an unknown id → exit 2 naming it, with the close known ids', async () => {
    const r = await runCli(['plan', '--models', 'qwen2.5-coder-7,nope'], env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error: --models: unknown model ids qwen2\.5-coder-7, nope/);
    assert.match(r.stderr, /qwen2\.5-coder-7: did you mean qwen2\.5-coder-7b\b/);
    assert.match(r.stderr, /nope: nothing close/);
    assert.match(r.stderr, /catalog models: .*qwen3-coder-30b-a3b/);
    assert.equal(r.stdout, '', 'nothing planned');
    noStack(r.stderr);
  });

  it('an unknown command is exit 2 with the close one', async () => {
    const r = await runCli(['stauts'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'stauts'/);
    assert.match(r.stderr, /Did you mean status\?/);
  });

  it("a command's own --help shows its options", async () => {
    const r = await runCli(['plan', '--help'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--context <tokens>\s+context per agent/);
  });
});
