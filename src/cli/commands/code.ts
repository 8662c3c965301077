import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { OpsError } from '../../core/errors.js';
import { readPlan } from '../../plan/load-plan.js';
import { CodeIndex, indexFileFor } from '../../retrieval/code-index.js';
import { httpEmbedder } from '../../retrieval/embeddings-client.js';
import { registerMcpServer } from '../../retrieval/mcp-registration.js';
import { formatHits, serveMcp } from '../../retrieval/mcp-server.js';
import type { SearchMode } from '../../retrieval/types.js';
import type { CliContext } from '../context.js';
import { positiveInteger } from '../numeric-option.js';
import type { RegisterCommand } from './index.js';

interface CodeOptions {
  repo: string;
  embeddings?: string;
  json?: boolean;
}

const MODES: SearchMode[] = ['bm25', 'vector', 'hybrid'];

/** The embedding engine: the flag, else the current Plan's llama.cpp entry started with --embeddings, else none. */
function embeddingsUrl(ctx: CliContext, given: string | undefined): string | undefined {
  if (given) return given;
  if (!existsSync(ctx.state.planFile)) return undefined;
  const { plan } = readPlan(ctx.state.planFile);
  const entry = plan.engines.find(
    (e) => e.engine === 'llama.cpp' && e.args.some((a) => a === '--embeddings' || a === '--embedding'),
  );
  return entry && 'port' in entry ? `http://127.0.0.1:${entry.port}` : undefined;
}

function openIndex(ctx: CliContext, opts: CodeOptions): CodeIndex {
  const root = resolve(opts.repo);
  if (!existsSync(root))
    throw new OpsError(`no such directory: ${root}`, { hint: 'pass --repo DIR', exitCode: 2 });
  const url = embeddingsUrl(ctx, opts.embeddings);
  return new CodeIndex(
    root,
    indexFileFor(ctx.state.root, root),
    url ? httpEmbedder(url) : undefined,
    url ?? 'none',
  );
}

function modeOf(value: string): SearchMode {
  if ((MODES as string[]).includes(value)) return value as SearchMode;
  throw new OpsError(`--mode must be ${MODES.join(', ')}, got ${value}`, { exitCode: 2 });
}

/** `ops code`: a local index of a repository for agents (BM25 + local embeddings), and its MCP server. */
export const registerCodeCommands: RegisterCommand = (program: Command, getContext) => {
  const code = program
    .command('code')
    .description(
      'code retrieval for local agents: index a repository, search it, serve it to Claude Code over MCP',
    );
  const common = (c: Command) =>
    c
      .option('--repo <dir>', 'repository root (default: the current directory)', '.')
      .option(
        '--embeddings <url>',
        "embedding engine (llama.cpp with --embeddings); default: the current Plan's, else BM25 only",
      );

  common(
    code
      .command('index')
      .description('index (or bring up to date) a repository; only changed files are read'),
  )
    .option('--json', 'print the figures as JSON')
    .action(async (opts: CodeOptions) => {
      const ctx = getContext();
      const index = openIndex(ctx, opts);
      try {
        const stats = await index.update();
        ctx.output(
          `${index.root}: ${stats.files} files, ${stats.chunks} chunks (${stats.withVectors} with vectors); ${stats.changed} read, ${stats.removed} removed, in ${stats.elapsedMs.toFixed(0)} ms`,
          stats,
          opts.json ?? false,
        );
      } finally {
        index.close();
      }
    });

  common(code.command('search <query>').description('the files that best answer a question, best first'))
    .option('--mode <mode>', 'bm25 | vector | hybrid (default: hybrid with an embedding engine, else bm25)')
    .option('-n, --limit <n>', 'files to return', positiveInteger, 5)
    .option('--json', 'print the hits as JSON')
    .action(async (query: string, opts: CodeOptions & { mode?: string; limit: number }) => {
      const ctx = getContext();
      const index = openIndex(ctx, opts);
      try {
        await index.update();
        const hits = await index.search(query, {
          ...(opts.mode ? { mode: modeOf(opts.mode) } : {}),
          limit: opts.limit,
        });
        ctx.output(formatHits(hits), hits, opts.json ?? false);
      } finally {
        index.close();
      }
    });

  common(code.command('mcp').description('serve search_code and related_files to an MCP client on stdio'))
    .option('--mode <mode>', 'bm25 | vector | hybrid')
    .action(async (opts: CodeOptions & { mode?: string }) => {
      const ctx = getContext();
      const index = openIndex(ctx, opts);
      const mode = opts.mode
        ? modeOf(opts.mode)
        : opts.embeddings || embeddingsUrl(ctx, undefined)
          ? 'hybrid'
          : 'bm25';
      try {
        await serveMcp(index, { mode, version: '0.1.0' });
      } finally {
        index.close();
      }
    });

  code
    .command('register')
    .description("add the ops-code MCP server to a project's .mcp.json, where Claude Code finds it")
    .option('--repo <dir>', 'project root (default: the current directory)', '.')
    .option('--json', 'print what was written as JSON')
    .action((opts: { repo: string; json?: boolean }) => {
      const ctx = getContext();
      const root = resolve(opts.repo);
      const server = {
        command: process.execPath,
        args: [resolve(process.argv[1] ?? 'ops'), 'code', 'mcp', '--repo', root],
        env: { OPS_HOME: ctx.state.root },
      };
      const file = registerMcpServer(root, server);
      ctx.output(
        `wrote ${file}: Claude Code started in ${root} now offers mcp__ops-code__search_code and mcp__ops-code__related_files`,
        { file, server },
        opts.json ?? false,
      );
    });
};
