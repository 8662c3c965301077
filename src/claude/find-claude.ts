import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpsError } from '../core/errors.js';

/**
 * Where the Claude Code CLI is: `claude` on PATH first (the user's own install), then the copy installed
 * with ops (`@anthropic-ai/claude-code` in its node_modules). Throws an OpsError naming both.
 */
export function findClaude(env: NodeJS.ProcessEnv): string {
  const candidates = [
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, 'claude')),
    join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.bin', 'claude'),
  ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // Not here; the next place.
    }
  }
  throw new OpsError('Claude Code (`claude`) is not installed', {
    hint: 'install it with your npm client (package @anthropic-ai/claude-code), or use `ops claude --print-env` with your own',
    exitCode: 2,
  });
}
