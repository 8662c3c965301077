import { createInterface } from 'node:readline';
import type { CodeIndex } from './code-index.js';
import type { SearchHit, SearchMode } from './types.js';

/**
 * The code-retrieval tools as an MCP server on stdio (JSON-RPC 2.0, one message per line, as the MCP stdio
 * transport specifies). Claude Code starts it from the project's `.mcp.json` and offers its tools to the model as
 * `mcp__<server>__search_code` and `mcp__<server>__related_files`. The index is brought up to date before each
 * search, so edits made during the session are found.
 */
export const MCP_TOOLS = [
  {
    name: 'search_code',
    description:
      'Search this repository by a question or keywords; returns the most relevant files with the matching function or block and its line range. Use before grepping when you do not know where something lives.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'what you are looking for, in words or identifiers' },
        limit: { type: 'integer', minimum: 1, maximum: 20, description: 'files to return (default 5)' },
      },
      required: ['query'],
    },
  },
  {
    name: 'related_files',
    description: 'Files related to a given file of this repository (shared identifiers and vocabulary).',
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'path relative to the repository root' },
        limit: { type: 'integer', minimum: 1, maximum: 20 },
      },
      required: ['path'],
    },
  },
] as const;

type JsonRpcId = string | number | null;
interface JsonRpcRequest {
  jsonrpc: '2.0';
  id?: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

/** The MCP revisions this server speaks; an unknown one requested is answered with the newest. */
const PROTOCOL_VERSIONS = ['2025-06-18', '2025-03-26', '2024-11-05'];

export function formatHits(hits: readonly SearchHit[]): string {
  if (hits.length === 0) return 'no match';
  return hits
    .map(
      (h, i) =>
        `${i + 1}. ${h.path}:${h.startLine}-${h.endLine}${h.name ? ` (${h.name})` : ''}\n${h.preview
          .split('\n')
          .map((l) => `   ${l}`)
          .join('\n')}`,
    )
    .join('\n');
}

/** Handles one request (pure over the index); undefined for notifications. */
export async function handleMcpRequest(
  request: JsonRpcRequest,
  index: CodeIndex,
  options: { mode: SearchMode; version: string },
): Promise<Record<string, unknown> | undefined> {
  const reply = (result: unknown) => ({ jsonrpc: '2.0', id: request.id ?? null, result });
  const fail = (code: number, message: string) => ({
    jsonrpc: '2.0',
    id: request.id ?? null,
    error: { code, message },
  });
  if (request.id === undefined) return undefined;
  switch (request.method) {
    case 'initialize': {
      const asked = String(request.params?.protocolVersion ?? '');
      return reply({
        protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
        capabilities: { tools: {} },
        serverInfo: { name: 'ops-code', version: options.version },
      });
    }
    case 'ping':
      return reply({});
    case 'tools/list':
      return reply({ tools: MCP_TOOLS });
    case 'tools/call': {
      const name = request.params?.name;
      const args = (request.params?.arguments ?? {}) as Record<string, unknown>;
      const limit = typeof args.limit === 'number' ? Math.min(20, Math.max(1, Math.floor(args.limit))) : 5;
      if (name === 'search_code') {
        if (typeof args.query !== 'string' || !args.query.trim())
          return reply({
            content: [{ type: 'text', text: 'query must be a non-empty string' }],
            isError: true,
          });
        await index.update();
        const hits = await index.search(args.query, { mode: options.mode, limit });
        return reply({ content: [{ type: 'text', text: formatHits(hits) }] });
      }
      if (name === 'related_files') {
        if (typeof args.path !== 'string')
          return reply({ content: [{ type: 'text', text: 'path must be a string' }], isError: true });
        await index.update();
        return reply({
          content: [{ type: 'text', text: formatHits(index.related(args.path.replace(/^\.\//, ''), limit)) }],
        });
      }
      return fail(-32602, `unknown tool ${JSON.stringify(name)}`);
    }
    default:
      return fail(-32601, `method not found: ${request.method}`);
  }
}

/** Serves MCP on stdin/stdout until stdin closes. Logs go to stderr (stdout is the protocol). */
export async function serveMcp(
  index: CodeIndex,
  options: { mode: SearchMode; version: string },
): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let request: JsonRpcRequest;
    try {
      request = JSON.parse(line) as JsonRpcRequest;
    } catch {
      process.stdout.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })}\n`,
      );
      continue;
    }
    try {
      const response = await handleMcpRequest(request, index, options);
      if (response) process.stdout.write(`${JSON.stringify(response)}\n`);
    } catch (error) {
      process.stderr.write(`ops mcp code: ${String(error)}\n`);
      process.stdout.write(
        `${JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, error: { code: -32603, message: String(error).slice(0, 500) } })}\n`,
      );
    }
  }
}
