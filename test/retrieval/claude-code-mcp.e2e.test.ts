import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { startFixture } from '../gateway/gateway-fixture.js';
import { CLAUDE, runClaude } from '../support/claude-cli.js';
import { describeUnless } from '../support/describe-unless.js';
import { runCli } from '../support/run-cli.js';

const SEARCH_TOOL = 'mcp__ops-code__search_code';

/**
 * The real Claude Code CLI with the ops-code MCP server registered by `ops code register`, through the gateway.
 * The scripted upstream plays the model: it calls search_code with a question and, once it sees the tool result,
 * answers with the first file the result names; the test checks that file is the one that answers the question.
 */
describeUnless(
  !existsSync(CLAUDE) && 'Claude Code CLI not installed',
  'Claude Code calls ops code search through MCP',
  {},
  () => {
    it('registers the server, and a scripted session gets the right file back', {
      timeout: 180_000,
    }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ops-mcp-'));
      const home = join(dir, 'ops-home');
      const repo = join(dir, 'repo');
      mkdirSync(join(repo, 'src'), { recursive: true });
      writeFileSync(
        join(repo, 'src', 'invoice-totals.ts'),
        'export function invoiceTotalWithTax(lines: number[], taxRate: number) {\n  return lines.reduce((a, b) => a + b, 0) * (1 + taxRate);\n}\n',
      );
      writeFileSync(
        join(repo, 'src', 'user-sessions.ts'),
        'export function expireIdleSessions(nowMs: number) {\n  return nowMs;\n}\n',
      );
      writeFileSync(join(repo, 'README.md'), '# shop\n');
      const env = { OPS_HOME: home };
      try {
        const reg = await runCli(['code', 'register', '--repo', repo, '--json'], env);
        assert.equal(reg.code, 0, reg.stderr);
        const mcp = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8'));
        assert.deepEqual(mcp.mcpServers['ops-code'].args.slice(-4), ['code', 'mcp', '--repo', repo]);

        let toolResult = '';
        const offered = new Set<string>();
        const fx = await startFixture(
          (body) => {
            offered.clear();
            for (const t of body.tools ?? []) offered.add(t.function.name);
            const results = body.messages.filter((m: { role: string }) => m.role === 'tool');
            const tool = results.find((m: { content: unknown }) =>
              JSON.stringify(m.content).includes('.ts:'),
            );
            if (tool) {
              toolResult = typeof tool.content === 'string' ? tool.content : JSON.stringify(tool.content);
              const first = /(src\/[\w-]+\.ts)/.exec(toolResult)?.[1] ?? 'nothing';
              return { text: `ANSWER ${first}` };
            }
            if (offered.has(SEARCH_TOOL))
              return {
                toolCalls: [
                  {
                    name: SEARCH_TOOL,
                    arguments: JSON.stringify({ query: 'where is the invoice total with tax computed' }),
                  },
                ],
              };
            // Claude Code connects MCP servers in the background and offers a tool to wait for them.
            if (offered.has('WaitForMcpServers') && results.length < 3)
              return {
                toolCalls: [
                  { id: `call_wait_${results.length}`, name: 'WaitForMcpServers', arguments: '{}' },
                ],
              };
            return { text: 'no search tool offered' };
          },
          { descriptor: { contextLength: 131072, parallel: 1 } },
        );
        try {
          const { code, stdout, stderr } = await runClaude(
            [
              '-p',
              'where is the invoice total computed?',
              '--allowedTools',
              `${SEARCH_TOOL},WaitForMcpServers`,
              '--mcp-config',
              join(repo, '.mcp.json'),
            ],
            { cwd: repo, home: dir, baseUrl: fx.url, env: { MCP_TIMEOUT: '60000' }, timeoutMs: 150_000 },
          );
          assert.equal(code, 0, `claude exited ${code}\nstdout: ${stdout}\nstderr: ${stderr}`);
          assert.ok(offered.has(SEARCH_TOOL), `tools offered: ${[...offered].join(', ')}`);
          assert.match(toolResult, /src\/invoice-totals\.ts:1-3 \(invoiceTotalWithTax\)/);
          assert.match(stdout, /ANSWER src\/invoice-totals\.ts/);
        } finally {
          await fx.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
