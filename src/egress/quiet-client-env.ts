/**
 * What keeps Claude Code from reaching for the internet when it runs against the local gateway.
 * CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC stands for DISABLE_AUTOUPDATER, DISABLE_BUG_COMMAND,
 * DISABLE_ERROR_REPORTING and DISABLE_TELEMETRY together (Claude Code docs, "Environment variables",
 * code.claude.com/docs/en/env-vars); the four are set as well so a settings file that sets the umbrella to 0 does
 * not turn them back on. The feedback survey goes with telemetry (docs, "Data usage").
 * The zero-egress test (test/egress/) runs Claude Code with exactly this environment.
 */
export const QUIET_CLAUDE_CODE_ENV: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_BUG_COMMAND: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_TELEMETRY: '1',
  CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY: '1',
};

/** The same settings as shell lines, for what ops prints for a person to paste. */
export function quietClaudeCodeExports(): string[] {
  return Object.entries(QUIET_CLAUDE_CODE_ENV).map(([k, v]) => `export ${k}=${v}`);
}
