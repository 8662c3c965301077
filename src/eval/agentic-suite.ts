import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claudeEnv } from '../claude/claude-env.js';
import { findClaude } from '../claude/find-claude.js';
import { OpsError } from '../core/errors.js';
import { type EventBus, silentBus } from '../core/events.js';
import { QUIET_CLAUDE_CODE_ENV } from '../egress/quiet-client-env.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import { filesToGrade } from './agentic-tasks.js';
import { RELAY_SOCKET, startGatewayRelay } from './gateway-relay.js';
import type { ModelEndpoint } from './model-client.js';
import { mapLimited } from './run-code-suite.js';
import { runInSandbox, type SandboxLimits } from './sandbox.js';
import { errorOutcome, type SuiteResult, startSuiteRun } from './summarize.js';
import type { AgenticTask, TaskOutcome } from './types.js';

/** The driver script Claude Code runs under in the sandbox (relay + `claude -p` + the files it leaves). */
export const AGENT_DRIVER = join(
  fileURLToPath(new URL('.', import.meta.url)),
  '..',
  '..',
  'containers',
  'sandbox',
  'agent-run.mjs',
);
/** Where things appear inside the sandbox (all read-only). */
const IN_SANDBOX = {
  claude: '/opt/claude/claude',
  driver: '/opt/ops-agent/agent-run.mjs',
  relay: '/run/ops-relay',
};
/** The port Claude Code's requests go to on the sandbox's own loopback (nothing else listens there). */
const AGENT_PORT = 8080;

/**
 * A Claude Code session is a program, not a function call: it needs more memory, processes (its Bash tool, the
 * tests it runs) and time than grading one function. Still no network, read-only root, bounded tmpfs.
 */
export const AGENT_LIMITS: SandboxLimits = {
  memoryBytes: 1024 * 1024 * 1024,
  cpus: 1,
  pids: 256,
  workBytes: 64 * 1024 * 1024,
  timeoutMs: 600_000,
};

export interface AgenticSuiteOptions {
  tasks: AgenticTask[];
  /** The gateway (Anthropic API) Claude Code talks to through the relay. */
  endpoint: ModelEndpoint;
  runtime: ContainerRuntime;
  target?: SuiteResult['target'];
  variant?: string;
  concurrency?: number;
  image?: string;
  deployment?: string;
  /** Time one Claude Code session may take, and its turn limit. */
  agentTimeoutMs?: number;
  maxTurns?: number;
  /** Time the repository's tests may take afterwards. */
  testTimeoutMs?: number;
  /** The Claude Code binary to mount (default: `claude` on PATH, else the one installed with ops). */
  claudePath?: string;
  bus?: EventBus;
}

/**
 * The agentic suite: for each task, the real Claude Code CLI runs headless inside the sandbox on the task's
 * repository, reaching only the gateway (through `gateway-relay.ts`); then the repository it leaves, with the
 * task's test files restored, is tested in a fresh sandbox run. Passing tests are the task's completion.
 */
export async function runAgenticSuite(options: AgenticSuiteOptions): Promise<SuiteResult> {
  if (options.target === 'baseline') {
    throw new OpsError('the agentic suite runs against the local gateway only', {
      exitCode: 2,
      hint: 'store a cloud baseline of the other suites; the sandbox reaches nothing but the gateway',
    });
  }
  const claude = claudeForSandbox(options.claudePath ?? findClaude(process.env));
  const bus = options.bus ?? silentBus();
  const relay = await startGatewayRelay(options.endpoint.url);
  const run = startSuiteRun({
    suite: 'agentic',
    kind: 'agentic',
    model: options.endpoint.model,
    api: 'anthropic',
    target: options.target,
    variant: options.variant,
  });
  let done = 0;
  try {
    const outcomes = await mapLimited(options.tasks, options.concurrency ?? 1, async (task) => {
      const outcome = await runTask(task, options, claude, relay.dir);
      bus.emit({
        kind: 'progress',
        step: 'eval agentic',
        done: ++done,
        total: options.tasks.length,
        unit: 'items',
      });
      return outcome;
    });
    return run.finish(outcomes);
  } finally {
    await relay.close();
  }
}

/** What the driver reports from inside the sandbox (containers/sandbox/agent-run.mjs). */
interface AgentReport {
  exitCode: number;
  summary: { isError?: boolean; turns?: number; result?: string };
  stderr: string;
  files: Record<string, string>;
}

async function runTask(
  task: AgenticTask,
  options: AgenticSuiteOptions,
  claude: string,
  relayDir: string,
): Promise<TaskOutcome> {
  const head = { id: task.id, suite: 'agentic', language: task.language, band: task.band };
  const common = {
    ...(options.image ? { image: options.image } : {}),
    ...(options.deployment ? { deployment: options.deployment } : {}),
  };
  const model = options.endpoint.model;
  const agent = await runInSandbox(options.runtime, {
    ...common,
    files: Object.fromEntries(Object.entries(task.files).map(([path, text]) => [`repo/${path}`, text])),
    command: ['node', IN_SANDBOX.driver],
    mounts: [
      { source: claude, target: IN_SANDBOX.claude },
      { source: AGENT_DRIVER, target: IN_SANDBOX.driver },
      { source: relayDir, target: IN_SANDBOX.relay },
    ],
    env: {
      ...claudeEnv({
        url: `http://127.0.0.1:${AGENT_PORT}`,
        token: options.endpoint.apiKey ?? 'ops-eval',
        models: { opus: model, sonnet: model, haiku: model },
      }),
      ...QUIET_CLAUDE_CODE_ENV,
      HOME: '/work/home',
      CLAUDE_CONFIG_DIR: '/work/home/.claude',
      SHELL: '/bin/bash',
      OPS_AGENT_PORT: String(AGENT_PORT),
      OPS_AGENT_SOCKET: `${IN_SANDBOX.relay}/${RELAY_SOCKET}`,
      OPS_AGENT_PROMPT: task.prompt,
      OPS_AGENT_MODEL: model,
      OPS_AGENT_MAX_TURNS: String(options.maxTurns ?? 12),
    },
    limits: { ...AGENT_LIMITS, timeoutMs: options.agentTimeoutMs ?? AGENT_LIMITS.timeoutMs },
  });
  const latencyMs = Math.round(agent.durationMs);
  if (agent.timedOut || agent.oomKilled) {
    return {
      ...head,
      passed: false,
      status: agent.timedOut ? 'timeout' : 'oom',
      latencyMs,
      testMs: 0,
      detail: `Claude Code ${agent.timedOut ? 'ran out of time' : 'ran out of memory'}: ${tail(agent.output, 400)}`,
    };
  }
  const report = parseAgentReport(agent.output);
  if (!report) {
    return errorOutcome(
      head,
      `the agent run left no result (exit ${agent.exitCode}): ${tail(agent.output, 400)}`,
      latencyMs,
    );
  }
  const grade = await runInSandbox(options.runtime, {
    ...common,
    files: filesToGrade(task, report.files),
    command: task.test,
    limits: { timeoutMs: options.testTimeoutMs ?? 60_000 },
  });
  const said = (report.summary.result ?? '').slice(0, 200);
  const agentNote = `claude exit ${report.exitCode}, ${report.summary.turns ?? '?'} turns: ${said}${report.stderr ? ` (stderr: ${tail(report.stderr, 150)})` : ''}`;
  return {
    ...head,
    passed: grade.passed,
    status: grade.passed ? 'passed' : grade.timedOut ? 'timeout' : grade.oomKilled ? 'oom' : 'failed',
    latencyMs,
    testMs: Math.round(grade.durationMs),
    ...(grade.passed ? {} : { detail: `${agentNote}; tests: ${tail(grade.output, 400)}` }),
  };
}

/** The driver's last line, `OPS-AGENT-RESULT <base64 JSON>` (pure). */
export function parseAgentReport(output: string): AgentReport | undefined {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('OPS-AGENT-RESULT '));
  if (!line) return undefined;
  try {
    const report = JSON.parse(Buffer.from(line.slice('OPS-AGENT-RESULT '.length), 'base64').toString('utf8'));
    if (typeof report?.files !== 'object' || report.files === null) return undefined;
    // Whatever ran in the sandbox could have written this line: only text files inside the repository count.
    const files = Object.fromEntries(
      Object.entries(report.files as Record<string, unknown>).filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === 'string' && !isAbsolute(entry[0]) && !normalize(entry[0]).startsWith('..'),
      ),
    );
    return { ...(report as AgentReport), files };
  } catch {
    return undefined;
  }
}

/**
 * The Claude Code binary as the sandbox can run it: its real path (npm's bin entry is a link) and a Linux ELF
 * executable — the native build Claude Code ships, which needs only libc, so the Debian image runs it as is.
 */
export function claudeForSandbox(path: string): string {
  const real = realpathSync(path);
  const magic = Buffer.alloc(4);
  const fd = openSync(real, 'r');
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (!magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    throw new OpsError(`${real} is not Claude Code's native Linux build`, {
      exitCode: 2,
      hint: 'the agentic suite mounts the native `claude` binary into the sandbox; install @anthropic-ai/claude-code 2.x',
    });
  }
  return real;
}

function tail(text: string, chars: number): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}
