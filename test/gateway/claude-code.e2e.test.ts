import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { CLAUDE, runClaude as runClaudeCli } from '../support/claude-cli.js';
import { describeUnless } from '../support/describe-unless.js';
import { startFixture } from './gateway-fixture.js';

/** Runs `claude ARGS` in `dir` against the gateway, offline, bounded to 60 s. */
function runClaude(url: string, dir: string, args: string[]) {
  return runClaudeCli(args, { cwd: dir, home: dir, baseUrl: url, env: { API_TIMEOUT_MS: '30000' } });
}

/** A valid 1×1 PNG. */
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/**
 * The real Claude Code CLI against the gateway, offline. The scripted upstream plays the model: it calls
 * Claude Code's file-writing tool (`Write` with `file_path`/`content`) on the first turn, and says "done"
 * once it sees the tool result.
 */
describeUnless(
  !existsSync(CLAUDE) && 'Claude Code CLI not installed',
  'Claude Code through the gateway',
  {},
  () => {
    it('claude -p writes a file with the Write tool and prints the answer', { timeout: 90_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-code-'));
      const target = join(dir, 'hello.txt');
      const toolNames = new Set<string>();
      const fx = await startFixture(
        (body) => {
          for (const t of body.tools ?? []) toolNames.add(t.function.name);
          if (body.messages.some((m: { role: string }) => m.role === 'tool')) return { text: 'done' };
          if (body.tools?.some((t: { function: { name: string } }) => t.function.name === 'Write')) {
            return {
              toolCalls: [{ name: 'Write', arguments: JSON.stringify({ file_path: target, content: 'hi' }) }],
            };
          }
          return { text: 'ok' };
        },
        // Claude Code's system prompt and tools take ~20k tokens: give it a slot that holds them.
        { descriptor: { contextLength: 131072, parallel: 1 } },
      );
      const paths: string[] = [];
      fx.gateway.server.prependListener('request', (req) =>
        paths.push(`${req.method} ${req.url?.split('?')[0]}`),
      );
      try {
        // --dangerously-skip-permissions is refused under root; allowing the one tool works for any user.
        const { code, stdout, stderr } = await runClaude(fx.url, dir, [
          '-p',
          'create hello.txt containing hi',
          '--allowedTools',
          'Write',
        ]);
        assert.equal(code, 0, `claude exited ${code}\nstdout: ${stdout}\nstderr: ${stderr}`);
        assert.match(stdout, /done/);
        assert.equal(readFileSync(target, 'utf8'), 'hi');
        assert.ok(toolNames.has('Write'), `tools offered: ${[...toolNames].join(', ')}`);
        const chats = fx.upstream.requests.filter((r) => r.path === '/v1/chat/completions');
        assert.ok(chats.length >= 2);
        for (const r of chats) {
          assert.equal(JSON.stringify(r.body.messages[0]).includes('x-anthropic-billing-header'), false);
          assert.ok(r.body.max_tokens <= 131072);
        }
        assert.ok(
          paths.every((p) =>
            ['HEAD /', 'POST /v1/messages', 'POST /v1/messages/count_tokens', 'GET /v1/models'].includes(p),
          ),
          paths.join(', '),
        );
        assert.ok(fx.usage.every((u) => u.status === 200 && u.api === 'anthropic'));
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a text-only model gets a note for a PNG Claude Code reads, and the session goes on (--continue too)', {
      timeout: 150_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-png-'));
      const png = join(dir, 'shot.png');
      writeFileSync(png, Buffer.from(PNG_1X1, 'base64'));
      const toolContents: string[] = [];
      const fx = await startFixture(
        (body) => {
          const tools = body.messages.filter((m: { role: string }) => m.role === 'tool');
          for (const t of tools) toolContents.push(String(t.content));
          const last = body.messages.at(-1);
          if (last.role === 'tool') return { text: 'I read it: done' };
          if (tools.length) return { text: 'still here' };
          if (body.tools?.some((t: { function: { name: string } }) => t.function.name === 'Read'))
            return { toolCalls: [{ name: 'Read', arguments: JSON.stringify({ file_path: png }) }] };
          return { text: 'ok' };
        },
        { descriptor: { contextLength: 131072, parallel: 1, vision: false } },
      );
      try {
        const first = await runClaude(fx.url, dir, ['-p', 'look at shot.png', '--allowedTools', 'Read']);
        assert.equal(
          first.code,
          0,
          `claude exited ${first.code}\nstdout: ${first.stdout}\nstderr: ${first.stderr}`,
        );
        assert.match(first.stdout, /I read it: done/);
        assert.ok(
          toolContents.some((c) =>
            /\[image \(image\/png[^\]]*\) omitted by the ops gateway: this model reads text only/.test(c),
          ),
          `tool results seen: ${toolContents.join(' | ').slice(0, 500)}`,
        );
        // The image stays in the conversation's history: the next turn must not be refused for it.
        const next = await runClaude(fx.url, dir, ['-p', 'anything else?', '--continue']);
        assert.equal(
          next.code,
          0,
          `claude exited ${next.code}\nstdout: ${next.stdout}\nstderr: ${next.stderr}`,
        );
        assert.match(next.stdout, /still here/);
        assert.ok(
          fx.usage.every((u) => u.status === 200),
          JSON.stringify(fx.usage.map((u) => u.status)),
        );
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('parallel calls reusing index 0 (Ollama) and a <tool_call> written as text both run', {
      timeout: 120_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-tools-'));
      const file = (n: string) => join(dir, n);
      const fx = await startFixture(
        (body) => {
          const results = body.messages.filter((m: { role: string }) => m.role === 'tool').length;
          if (!body.tools?.some((t: { function: { name: string } }) => t.function.name === 'Write'))
            return { text: 'ok' };
          const write = (name: string) => JSON.stringify({ file_path: file(name), content: name });
          if (results === 0) {
            // Ollama's OpenAI API: every parallel call at index 0, each with its own id.
            return {
              finishReason: 'tool_calls',
              deltas: [
                {
                  tool_calls: [
                    {
                      index: 0,
                      id: 'call_a',
                      type: 'function',
                      function: { name: 'Write', arguments: write('a.txt') },
                    },
                  ],
                },
                {
                  tool_calls: [
                    {
                      index: 0,
                      id: 'call_b',
                      type: 'function',
                      function: { name: 'Write', arguments: write('b.txt') },
                    },
                  ],
                },
              ],
            };
          }
          // A template without tool parsing: the call arrives as Hermes/Qwen text.
          if (results === 2)
            return {
              text: `Now the last one.\n<tool_call>\n{"name": "Write", "arguments": ${write('c.txt')}}\n</tool_call>`,
            };
          return { text: 'all written' };
        },
        { descriptor: { contextLength: 131072, parallel: 1 } },
      );
      try {
        const r = await runClaude(fx.url, dir, ['-p', 'write three files', '--allowedTools', 'Write']);
        assert.equal(r.code, 0, `claude exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        assert.match(r.stdout, /all written/);
        assert.doesNotMatch(r.stdout, /tool_call/);
        for (const n of ['a.txt', 'b.txt', 'c.txt']) assert.equal(readFileSync(file(n), 'utf8'), n);
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("a reasoning model's thinking reaches Claude Code and comes back to the engine with the tool result", {
      timeout: 120_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-claude-think-'));
      const target = join(dir, 'plan.txt');
      const returned: (string | undefined)[] = [];
      const fx = await startFixture(
        (body) => {
          if (!body.tools?.some((t: { function: { name: string } }) => t.function.name === 'Write'))
            return { text: 'ok' };
          const assistant = body.messages.find((m: { role: string }) => m.role === 'assistant');
          if (assistant) {
            returned.push(assistant.reasoning_content);
            return { text: 'written' };
          }
          return {
            reasoning: 'The user wants a plan file; Write it.',
            toolCalls: [{ name: 'Write', arguments: JSON.stringify({ file_path: target, content: 'plan' }) }],
          };
        },
        { descriptor: { contextLength: 131072, parallel: 1 } },
      );
      try {
        const r = await runClaude(fx.url, dir, ['-p', 'write plan.txt', '--allowedTools', 'Write']);
        assert.equal(r.code, 0, `claude exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        assert.match(r.stdout, /written/);
        assert.equal(readFileSync(target, 'utf8'), 'plan');
        assert.deepEqual(returned, ['The user wants a plan file; Write it.']);
      } finally {
        await fx.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
