import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import type { ChatMessage } from '../../src/gateway/openai/types.js';
import { promptText } from '../../src/gateway/token-counter.js';
import { CLAUDE, runClaude as runClaudeCli } from '../support/claude-cli.js';
import { describeUnless } from '../support/describe-unless.js';
import { type GatewayFixture, startFixture } from './gateway-fixture.js';
import type { LooseJson } from './scripted-openai-upstream.js';

/**
 * The real Claude Code CLI through the gateway in the ways issue 14 found a session dying: a conversation that
 * outgrows a small local window, an engine that wedges, and the loopback boundary. The scripted upstream plays
 * the model (its judgement is all it stands in for); everything between Claude Code and it is the real gateway.
 */

function runClaude(fx: GatewayFixture, dir: string, args: string[], env: Record<string, string> = {}) {
  return runClaudeCli(args, {
    cwd: dir,
    home: dir,
    baseUrl: fx.url,
    env: { API_TIMEOUT_MS: '30000', ...env },
    timeoutMs: 120_000,
  });
}

const chats = (fx: GatewayFixture) => fx.upstream.requests.filter((r) => r.path === '/v1/chat/completions');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const offers = (body: LooseJson, tool: string) =>
  (body.tools ?? []).some((t: { function: { name: string } }) => t.function.name === tool);

/** Every tool call sent upstream has its result after it, and every result its call before it. */
function pairingProblems(messages: ChatMessage[]): string[] {
  const open = new Set<string>();
  const problems: string[] = [];
  for (const m of messages) {
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) open.add(c.id);
    if (m.role === 'tool') {
      if (!open.has(m.tool_call_id)) problems.push(`result ${m.tool_call_id} without its call`);
      open.delete(m.tool_call_id);
    }
  }
  for (const id of open) problems.push(`call ${id} without its result`);
  return problems;
}

const claudeInstalled = existsSync(CLAUDE);

describeUnless(
  !claudeInstalled && 'Claude Code CLI not installed',
  'Claude Code on a small local window',
  {},
  () => {
    it('a long session is compacted by the gateway, pairing intact, and Claude Code finishes it', {
      timeout: 180_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-compact-'));
      const READS = 14;
      // Each file is ~430 tokens as Claude Code's Read returns it (line numbers added): fourteen of them overflow
      // an 8K slot that Claude Code's own prompt (one tool offered, ~1,900 tokens) leaves ~5K of, and eliding the
      // old results (not whole turns) is enough to fit again.
      for (let i = 0; i < READS; i++) {
        const line = `// file ${i}: ${'lorem ipsum dolor sit amet '.repeat(3)}`.padEnd(96, '.');
        writeFileSync(join(dir, `part${i}.ts`), `${Array.from({ length: 16 }, () => line).join('\n')}\n`);
      }
      const fx = await startFixture(
        (body) => {
          if (!offers(body, 'Read')) return { text: 'ok' };
          // The call the latest tool result answers names the part read last (ids survive compaction).
          const last = body.messages.at(-1);
          const done =
            last.role === 'tool' ? Number(/^read_(\d+)$/.exec(last.tool_call_id)?.[1] ?? -1) + 1 : 0;
          if (done >= READS) return { text: `read all ${READS} parts` };
          return {
            toolCalls: [
              {
                id: `read_${done}`,
                name: 'Read',
                arguments: JSON.stringify({ file_path: join(dir, `part${done}.ts`) }),
              },
            ],
          };
        },
        { descriptor: { contextLength: 8192, parallel: 1 } },
      );
      try {
        const r = await runClaude(fx, dir, [
          '-p',
          'read every part file',
          '--tools',
          'Read',
          '--allowedTools',
          'Read',
        ]);
        assert.equal(r.code, 0, `claude exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`read all ${READS} parts`));
        const sent = chats(fx).filter((q) => offers(q.body, 'Read'));
        const compacted = sent.filter((q) =>
          JSON.stringify(q.body.messages).includes('[ops gateway: this tool result ('),
        );
        assert.ok(compacted.length > 0, `no request was compacted: ${sent.length} sent`);
        for (const q of sent) assert.deepEqual(pairingProblems(q.body.messages), []);
        // Every request fitted the slot: prompt (as the engine's tokenizer counts it) and answer room within 8192.
        for (const q of sent) {
          const prompt = Math.ceil(promptText(q.body).length * 0.25) + q.body.messages.length * 5;
          assert.ok(q.body.max_tokens >= 1024, `max_tokens ${q.body.max_tokens}`);
          assert.ok(prompt + q.body.max_tokens <= 8192, `${prompt} + ${q.body.max_tokens} tokens`);
        }
        const last = sent.at(-1)!.body.messages as ChatMessage[];
        assert.equal(last[0]!.role, 'system', 'the system prompt is kept');
        assert.match(String(last.at(-1)!.role), /tool/, 'the latest tool result is kept');
        assert.ok(
          fx.usage.every((u) => u.status === 200),
          JSON.stringify(fx.usage.map((u) => u.status)),
        );
        assert.ok(fx.usage.some((u) => (u.compactedTokens ?? 0) > 0));
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describeUnless(
  !claudeInstalled && 'Claude Code CLI not installed',
  'Claude Code and a wedged engine',
  {},
  () => {
    it('an engine that never answers is cut at the first-byte limit; Claude Code retries and the next is served', {
      timeout: 120_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-wedged-'));
      let wedged = 0;
      const fx = await startFixture(
        (body) => {
          if (!offers(body, 'Read')) return { text: 'ok' };
          // The first answer never comes (an engine stuck before its first byte); the retry is answered.
          if (wedged++ === 0) return { text: 'too late', delayMs: 60_000 };
          return { text: 'answered after the retry' };
        },
        {
          descriptor: { contextLength: 131072, parallel: 1 },
          options: { timeouts: { upstreamFirstByteMs: 1000 } },
        },
      );
      try {
        const started = Date.now();
        const r = await runClaude(fx, dir, ['-p', 'hello', '--tools', 'Read']);
        assert.equal(r.code, 0, `claude exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        assert.match(r.stdout, /answered after the retry/);
        // Cut at 1 s, not held for the engine's 60 s: Claude Code waited only for the cut and its back-off.
        assert.ok(Date.now() - started < 40_000, `took ${Date.now() - started} ms`);
        await sleep(100);
        assert.equal(fx.upstream.abortedCount(), 1, 'the wedged request was aborted upstream');
        assert.equal(fx.gateway.context.pool.get('coder').queue.activeCount, 0, 'the slot is free');
        const main = fx.usage.filter((u) => u.status !== 200 || u.outputTokens > 0);
        assert.deepEqual(
          main.map((u) => u.status),
          [529, 200],
        );
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('an engine that stalls mid-answer is cut at the idle limit; Claude Code falls back and the answer is served', {
      timeout: 120_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-stall-'));
      const fx = await startFixture(
        (body) => {
          if (!offers(body, 'Read')) return { text: 'ok' };
          // A streamed answer starts and goes silent with the connection open; a whole (non-streamed) one is served.
          return body.stream
            ? { text: 'partial answer that never ends', stallAfterChunks: 2 }
            : { text: 'served whole' };
        },
        {
          descriptor: { contextLength: 131072, parallel: 1 },
          options: { timeouts: { upstreamIdleMs: 500 } },
        },
      );
      try {
        const r = await runClaude(fx, dir, ['-p', 'hello', '--tools', 'Read']);
        assert.equal(r.code, 0, `claude exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        assert.match(r.stdout, /served whole/);
        await sleep(100);
        assert.equal(fx.upstream.inFlight(), 0, 'no stalled request left open upstream');
        assert.ok(fx.upstream.abortedCount() >= 1);
        assert.equal(fx.gateway.context.pool.get('coder').queue.activeCount, 0, 'the slot is free');
        assert.deepEqual(
          fx.usage.filter((u) => u.stream).map((u) => u.status),
          Array(fx.upstream.abortedCount()).fill(502),
        );
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('an engine wedged for good ends Claude Code with a clear message, and the slot serves the next session', {
      timeout: 150_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-dead-'));
      let wedged = true;
      const fx = await startFixture(
        (body) => {
          if (!offers(body, 'Read')) return { text: 'ok' };
          if (!wedged) return { text: 'recovered' };
          return body.stream
            ? { text: 'never ends', stallAfterChunks: 2 }
            : { text: 'too late', delayMs: 60_000 };
        },
        {
          descriptor: { contextLength: 131072, parallel: 1 },
          options: { timeouts: { upstreamIdleMs: 500, upstreamFirstByteMs: 1000 } },
        },
      );
      try {
        const r = await runClaude(fx, dir, ['-p', 'hello', '--tools', 'Read'], {
          CLAUDE_CODE_MAX_RETRIES: '1',
        });
        assert.notEqual(r.code, 0, `claude exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        assert.match(
          `${r.stdout}${r.stderr}`,
          /upstream coder (sent nothing for 500 ms|did not answer within 1000 ms)/,
        );
        await sleep(100);
        assert.equal(fx.upstream.inFlight(), 0, 'no wedged request left open upstream');
        assert.equal(fx.gateway.context.pool.get('coder').queue.activeCount, 0, 'the slot is free');
        wedged = false;
        const next = await runClaude(fx, dir, ['-p', 'hello again', '--tools', 'Read']);
        assert.equal(
          next.code,
          0,
          `claude exited ${next.code}\nstdout: ${next.stdout}\nstderr: ${next.stderr}`,
        );
        assert.match(next.stdout, /recovered/);
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describeUnless(
  !claudeInstalled && 'Claude Code CLI not installed',
  'Claude Code and the loopback boundary',
  {},
  () => {
    it('Claude Code on loopback works; the same requests with a foreign Origin or Host are refused with a clear message', {
      timeout: 150_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-guard-'));
      const fx = await startFixture(
        (body) => ({ text: offers(body, 'Read') ? 'hello from loopback' : 'ok' }),
        {
          descriptor: { contextLength: 131072, parallel: 1 },
        },
      );
      const seen: { host?: string; origin?: string }[] = [];
      fx.gateway.server.prependListener('request', (req) =>
        seen.push({ host: req.headers.host, origin: req.headers.origin }),
      );
      try {
        const ok = await runClaude(fx, dir, ['-p', 'hello', '--tools', 'Read']);
        assert.equal(ok.code, 0, `claude exited ${ok.code}\nstdout: ${ok.stdout}\nstderr: ${ok.stderr}`);
        assert.match(ok.stdout, /hello from loopback/);
        const served = chats(fx).length;
        // What a web page's request or a rebound DNS name looks like, sent by the real client.
        for (const [header, refusal] of [
          ['Origin: https://evil.example', /Origin "https:\/\/evil\.example" may not call this gateway/],
          [`Host: evil.example:${new URL(fx.url).port}`, /Host "evil\.example:\d+" is not a loopback name/],
        ] as const) {
          seen.length = 0;
          const r = await runClaude(fx, dir, ['-p', 'hello', '--tools', 'Read'], {
            ANTHROPIC_CUSTOM_HEADERS: header,
          });
          assert.notEqual(r.code, 0, `${header}: claude exited ${r.code}\nstdout: ${r.stdout}`);
          assert.match(`${r.stdout}${r.stderr}`, refusal);
          assert.ok(
            seen.some((s) => s.origin === 'https://evil.example' || s.host?.startsWith('evil.example')),
            `the client sent ${header}: ${JSON.stringify(seen)}`,
          );
        }
        assert.equal(chats(fx).length, served, 'nothing refused reached the engine');
        assert.ok(fx.usage.every((u) => u.status === 200));
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
