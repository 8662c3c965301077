import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { QUIET_CLAUDE_CODE_ENV } from '../../src/egress/quiet-client-env.js';

/** The real Claude Code CLI from node_modules. */
export const CLAUDE = resolve('node_modules/.bin/claude');

export interface ClaudeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real Claude Code CLI against a gateway, offline and quiet (what ops itself sets), with its own HOME and
 * config directory under `home`; killed after `timeoutMs`. Resolves with its exit code and output.
 */
export function runClaude(
  args: string[],
  options: { cwd: string; home: string; baseUrl: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<ClaudeRun> {
  const child = spawn(CLAUDE, args, {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH,
      HOME: options.home,
      CLAUDE_CONFIG_DIR: join(options.home, '.claude'),
      ANTHROPIC_BASE_URL: options.baseUrl,
      ANTHROPIC_AUTH_TOKEN: 'test',
      API_TIMEOUT_MS: '60000',
      ...QUIET_CLAUDE_CODE_ENV,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
