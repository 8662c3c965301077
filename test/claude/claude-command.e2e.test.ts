import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { shellExports } from '../../src/claude/claude-env.js';
import { startFixture } from '../gateway/gateway-fixture.js';
import type { LooseJson } from '../gateway/scripted-openai-upstream.js';
import { runCli } from '../support/run-cli.js';

/** A model that calls a tool when one is forced and answers once it has the result. */
const toolModel = (body: LooseJson) => {
  if (body.messages.some((m: { role: string }) => m.role === 'tool')) return { text: 'It is noon.' };
  if (body.tool_choice?.function?.name === 'read_clock')
    return { toolCalls: [{ name: 'read_clock', arguments: '{"zone":"UTC"}' }] };
  return { text: 'hello from the local model' };
};

describe('ops claude', () => {
  it('--print-env checks one tool round trip, then prints the settings for shells (and as JSON)', {
    timeout: 120_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'ops-claude-cmd-'));
    const fx = await startFixture(toolModel);
    try {
      const r = await runCli(['claude', '--url', fx.url, '--print-env'], {
        OPS_HOME: home,
        OPS_GATEWAY_API_KEYS: '',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^export ANTHROPIC_BASE_URL='${fx.url}'$`, 'm'));
      assert.match(r.stdout, /^export ANTHROPIC_AUTH_TOKEN='local'$/m);
      // No Plan: the tiers come from the models the gateway lists (this one has `quality`, no `fast`).
      assert.match(r.stdout, /^export ANTHROPIC_DEFAULT_SONNET_MODEL='quality'$/m);
      assert.match(r.stdout, /^export ANTHROPIC_DEFAULT_HAIKU_MODEL='quality'$/m);
      assert.match(r.stdout, /^export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC='1'$/m);
      assert.match(r.stdout, /^export API_TIMEOUT_MS='900000'$/m);
      const chats = fx.upstream.requests.filter((q) => q.path === '/v1/chat/completions');
      assert.equal(chats.length, 2, 'one tool call and one answer to its result');
      assert.equal(chats[1]!.body.messages.at(-1).role, 'tool');
      const j = await runCli(['claude', '--url', fx.url, '--print-env', '--json', '--no-check'], {
        OPS_HOME: home,
      });
      assert.equal(j.code, 0, j.stderr);
      assert.equal(JSON.parse(j.stdout).ANTHROPIC_BASE_URL, fx.url);
      assert.equal(
        fx.upstream.requests.filter((q) => q.path === '/v1/chat/completions').length,
        2,
        '--no-check',
      );
    } finally {
      await fx.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses to start when the model does not call tools, or there is no gateway to use', {
    timeout: 120_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'ops-claude-cmd-'));
    const fx = await startFixture(() => ({ text: 'I cannot use tools' }));
    try {
      const r = await runCli(['claude', '--url', fx.url, '--print-env'], { OPS_HOME: home });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /answered without calling the offered tool/);
      assert.match(r.stderr, /--jinja/);
      const none = await runCli(['claude', '--print-env'], { OPS_HOME: home });
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no Plan given/);
      assert.doesNotMatch(none.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await fx.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('starts the real Claude Code CLI against the gateway with the arguments given', {
    timeout: 150_000,
  }, async (t) => {
    if (!existsSync(resolve('node_modules/.bin/claude'))) t.skip('Claude Code CLI not installed');
    const home = mkdtempSync(join(tmpdir(), 'ops-claude-run-'));
    const fx = await startFixture(toolModel, { descriptor: { contextLength: 131072, parallel: 1 } });
    try {
      const r = await runCli(['claude', '--url', fx.url, '--', '-p', 'say hello'], {
        OPS_HOME: home,
        HOME: home,
        CLAUDE_CONFIG_DIR: join(home, '.claude'),
      });
      assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stdout, /hello from the local model/);
      assert.ok(fx.usage.every((u) => u.status === 200));
    } finally {
      await fx.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('shellExports', () => {
  it('quotes values for POSIX shells', () => {
    assert.equal(shellExports({ A: "it's" }), `export A='it'\\''s'`);
  });
});
