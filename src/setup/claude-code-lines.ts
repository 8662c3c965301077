import { quietClaudeCodeExports } from '../egress/quiet-client-env.js';

/**
 * The lines that point Claude Code at the gateway (pure). Claude Code reads ANTHROPIC_BASE_URL and sends
 * ANTHROPIC_AUTH_TOKEN as a Bearer token; ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL choose the model name per tier,
 * here the gateway's aliases (https://docs.anthropic.com/en/docs/claude-code/settings, environment variables).
 */
export function claudeCodeLines(input: {
  gatewayUrl: string;
  authToken: string;
  qualityAlias: string;
  fastAlias: string;
  cpuOnly: boolean;
}): string[] {
  // API_TIMEOUT_MS is per request; Claude Code's default is 10 minutes. A CPU box can take longer than that to
  // prefill a long agent prompt, so it gets half an hour.
  const timeoutMs = input.cpuOnly ? 1_800_000 : 600_000;
  return [
    `export ANTHROPIC_BASE_URL=${input.gatewayUrl}`,
    `export ANTHROPIC_AUTH_TOKEN=${input.authToken}`,
    `export ANTHROPIC_DEFAULT_OPUS_MODEL=${input.qualityAlias}`,
    `export ANTHROPIC_DEFAULT_SONNET_MODEL=${input.qualityAlias}`,
    `export ANTHROPIC_DEFAULT_HAIKU_MODEL=${input.fastAlias}`,
    `export API_TIMEOUT_MS=${timeoutMs}`,
    ...quietClaudeCodeExports(),
    'claude',
  ];
}
