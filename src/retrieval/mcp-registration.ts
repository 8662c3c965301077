import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { OpsError } from '../core/errors.js';

/**
 * Adds (or updates) the `ops-code` server in a project's `.mcp.json`, the file Claude Code reads for project MCP
 * servers, keeping every other server as it was. Returns the file written.
 */
export function registerMcpServer(
  projectDir: string,
  server: { command: string; args: string[]; env?: Record<string, string> },
  name = 'ops-code',
): string {
  const file = join(projectDir, '.mcp.json');
  let doc: { mcpServers?: Record<string, unknown> } = {};
  if (existsSync(file)) {
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch (cause) {
      throw new OpsError(`${file} is not valid JSON`, {
        cause,
        hint: 'fix or remove it, then run again',
        exitCode: 2,
      });
    }
  }
  doc.mcpServers = { ...(doc.mcpServers ?? {}), [name]: { type: 'stdio', ...server } };
  writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
