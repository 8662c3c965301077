import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { ValidationError } from '../core/errors.js';
import { baseLabels } from '../core/labels.js';
import { DEFAULT_SANDBOX_TAG } from '../images/sandbox-image.js';
import type { ContainerRuntime, JobResult, JobSpec } from '../runtime/container-runtime.js';

/** The uid:gid of the image's `sandbox` user (containers/sandbox/Dockerfile): owns nothing in the image. */
export const SANDBOX_USER = '10001:10001';
/** Where the task's files appear, read-only, before being copied to the tmpfs `/work`. */
const TASK_DIR = '/task';

/** The confinement of one sandbox run; defaults sized for function-level tasks. */
export interface SandboxLimits {
  memoryBytes: number;
  cpus: number;
  pids: number;
  workBytes: number;
  timeoutMs: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  memoryBytes: 256 * 1024 * 1024,
  cpus: 1,
  // Enough for node's worker threads and python's test runner; a fork bomb hits it within milliseconds.
  pids: 64,
  workBytes: 32 * 1024 * 1024,
  timeoutMs: 20_000,
};

export interface SandboxRun {
  /** Relative path → content: the solution and its hidden tests. */
  files: Record<string, string>;
  command: string[];
  limits?: Partial<SandboxLimits>;
  image?: string;
  /** The `ops.deployment` label of the job container (tests use t-* names so cleanup finds leftovers). */
  deployment?: string;
  /**
   * More read-only bind mounts (the agentic suite: Claude Code's binary, its driver, the gateway relay's socket
   * directory). There is never a network: the agentic suite reaches the gateway through the relay's socket only.
   */
  mounts?: { source: string; target: string }[];
  env?: Record<string, string>;
  signal?: AbortSignal;
}

export interface SandboxResult extends JobResult {
  /** Exit 0, in time, not killed for memory: the only way a task passes. */
  passed: boolean;
}

/** The job spec of one sandbox run (pure, so the confinement is tested without a daemon). */
export function sandboxJobSpec(run: SandboxRun, taskDir: string, name: string): JobSpec {
  const limits = { ...DEFAULT_SANDBOX_LIMITS, ...run.limits };
  return {
    name,
    image: run.image ?? DEFAULT_SANDBOX_TAG,
    cmd: run.command,
    env: run.env ?? {},
    labels: baseLabels(run.deployment ?? 'eval', 'job', name),
    mounts: [
      { source: taskDir, target: TASK_DIR, readOnly: true },
      ...(run.mounts ?? []).map((m) => ({ ...m, readOnly: true })),
    ],
    user: SANDBOX_USER,
    network: 'none',
    readOnlyRoot: true,
    tmpfs: { '/work': limits.workBytes, '/tmp': Math.min(limits.workBytes, 16 * 1024 * 1024) },
    limits: { memoryBytes: limits.memoryBytes, nanoCpus: Math.round(limits.cpus * 1e9), pids: limits.pids },
    maxLogBytes: 1024 * 1024,
  };
}

/**
 * Runs generated code in the sandbox container: the files are written to a private host directory mounted
 * read-only, copied into the tmpfs work directory inside, and the command runs there under the limits.
 */
export async function runInSandbox(runtime: ContainerRuntime, run: SandboxRun): Promise<SandboxResult> {
  const limits = { ...DEFAULT_SANDBOX_LIMITS, ...run.limits };
  const taskDir = writeTaskFiles(run.files);
  const name = `ops-sandbox-${randomBytes(6).toString('hex')}`;
  try {
    const result = await runtime.runJob(sandboxJobSpec(run, taskDir, name), {
      timeoutMs: limits.timeoutMs,
      ...(run.signal ? { signal: run.signal } : {}),
    });
    return { ...result, passed: result.exitCode === 0 && !result.timedOut && !result.oomKilled };
  } finally {
    rmSync(taskDir, { recursive: true, force: true });
  }
}

function writeTaskFiles(files: Record<string, string>): string {
  const problems = Object.keys(files)
    .filter((path) => isAbsolute(path) || normalize(path).startsWith('..'))
    .map((path) => ({ path, message: 'task files must stay inside the task directory' }));
  if (problems.length > 0) throw new ValidationError('sandbox task', problems);
  const dir = mkdtempSync(join(tmpdir(), 'ops-sandbox-'));
  // The sandbox user is not the host user: it must be able to read (never write) the files.
  chmodSync(dir, 0o755);
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, normalize(path));
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, content, { mode: 0o644 });
  }
  return dir;
}
