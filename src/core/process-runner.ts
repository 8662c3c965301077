import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { $, type ProcessOutput } from 'zx';
import { CommandError, OpsError } from './errors.js';

/**
 * The one way ops starts a process: zx (the design card names it for scripts and shell steps). zx runs the command
 * through bash with every argument quoted, keeps stdout and stderr, kills the whole process tree on timeout or abort
 * (debootstrap runs dpkg in a chroot beneath it), and carries the command, the exit code and both outputs in its
 * result; this file turns that result into ops's own types: a `ProcessResult` (never a throw), or a `CommandError`
 * for `runChecked`. A process that must outlive ops (`startDetached`) is the one exception to zx: zx waits for the
 * process it starts, so that one goes through node's spawn, here too.
 */

export interface ProcessResult {
  /** The command as a person would type it, for messages. */
  command: string;
  /** null when a signal ended it. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The program is not installed (bash's 127). */
  notFound: boolean;
  /** `timeoutMs` passed and the process was killed. */
  timedOut: boolean;
}

export interface RunOptions {
  cwd?: string;
  /** The whole environment (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Aborting kills the process tree; the result then says so through `runChecked`'s error. */
  signal?: AbortSignal;
  /** Each line of output as it arrives (build logs go to the event bus as debug lines). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** How long a process tree has after SIGTERM (timeout or abort) before it is killed outright. */
const KILL_GRACE_MS = 10_000;

/** bash's answer when the command itself cannot be found (127, with its own message; a program may exit 127 too). */
function isNotFound(exitCode: number | null, stderr: string): boolean {
  return exitCode === 127 && /not found|No such file/i.test(stderr);
}

export function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args]
    .map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part)))
    .join(' ');
}

/** Runs a command to completion; resolves with what it printed and how it ended, whatever its exit code. */
export async function runProcess(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const command = describeCommand(file, args);
  const lines = options.onLine ? lineSplitter(options.onLine) : undefined;
  const child = $({
    nothrow: true,
    quiet: true,
    verbose: false,
    preferLocal: false,
    env: options.env ?? process.env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(lines
      ? {
          log: (entry: { kind: string; data?: Buffer }) => {
            if ((entry.kind === 'stdout' || entry.kind === 'stderr') && entry.data)
              lines.push(entry.kind, entry.data);
          },
        }
      : {}),
  })`${[file, ...args]}`;
  // zx's kill walks the process tree (an abort signal would reach only bash's direct child). Before the child
  // exists (the same tick as the call) it cannot be killed yet, so the kill is tried again on the next turn.
  // SIGTERM first (debootstrap's traps unmount what it mounted); a tree that ignores it gets SIGKILL after a grace.
  let settled = false;
  let forceTimer: NodeJS.Timeout | undefined;
  const signalTree = (signal: 'SIGTERM' | 'SIGKILL'): boolean => {
    if (settled) return true;
    try {
      child.kill(signal).catch(() => {
        // Already gone.
      });
      return true;
    } catch {
      return false;
    }
  };
  const killTree = () => {
    if (!signalTree('SIGTERM')) {
      setTimeout(killTree, 10);
      return;
    }
    forceTimer ??= setTimeout(() => signalTree('SIGKILL'), KILL_GRACE_MS);
  };
  let timedOut = false;
  const timer =
    options.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          killTree();
        }, options.timeoutMs)
      : undefined;
  options.signal?.addEventListener('abort', killTree, { once: true });
  if (options.signal?.aborted) killTree();
  try {
    const output: ProcessOutput = await child.finally(() => {
      settled = true;
    });
    lines?.flush();
    const exitCode = output.exitCode;
    return {
      command,
      exitCode,
      stdout: output.stdout,
      stderr: output.stderr,
      notFound: isNotFound(exitCode, output.stderr),
      timedOut,
    };
  } finally {
    if (timer) clearTimeout(timer);
    if (forceTimer) clearTimeout(forceTimer);
    options.signal?.removeEventListener('abort', killTree);
  }
}

/**
 * Runs a command that must succeed: a missing program, an abort, a timeout or a non-zero exit becomes an error that
 * names the command and carries its exit code and output (the stderr tail is in the message).
 */
export async function runChecked(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const result = await runProcess(file, args, options);
  if (options.signal?.aborted) {
    throw new OpsError(`interrupted: ${result.command}`, { cause: options.signal.reason, exitCode: 130 });
  }
  if (result.notFound) {
    throw new OpsError(`${file} is not installed (needed for: ${result.command})`, {
      hint: `install ${file} and run the command again`,
    });
  }
  if (result.timedOut) {
    throw new CommandError(
      result.command,
      { exitStatus: null, stdout: result.stdout, stderr: result.stderr },
      {
        hint: `it did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s`,
      },
    );
  }
  if (result.exitCode !== 0) {
    throw new CommandError(result.command, {
      exitStatus: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
    });
  }
  return result;
}

/** Runs a command on this terminal (stdin, stdout and stderr inherited) and resolves with its exit code. */
export async function runInteractive(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<number> {
  const output = await $({
    nothrow: true,
    verbose: false,
    preferLocal: false,
    stdio: 'inherit',
    env: options.env ?? process.env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  })`${[file, ...args]}`;
  return output.exitCode ?? 1;
}

/** The synchronous form, for the few places that must not yield (cleanup in a finally of synchronous code). */
export function runProcessSync(file: string, args: readonly string[]): ProcessResult {
  const output = $.sync({
    nothrow: true,
    quiet: true,
    verbose: false,
    preferLocal: false,
  })`${[file, ...args]}`;
  return {
    command: describeCommand(file, args),
    exitCode: output.exitCode,
    stdout: output.stdout,
    stderr: output.stderr,
    notFound: isNotFound(output.exitCode, output.stderr),
    timedOut: false,
  };
}

/** A process started to outlive ops. */
export interface DetachedProcess {
  pid: number;
  /** The command as a person would type it, for messages. */
  command: string;
}

export interface DetachedOptions {
  /** The whole environment (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here (its directory is made); without it they go nowhere. */
  logFile?: string;
}

/**
 * Starts a process in a session of its own that outlives ops (stdin closed, output appended to `logFile`), and
 * resolves once it runs. A program that cannot be started (missing, not executable) is an `OpsError` naming it;
 * what the process does after it started is the caller's to check (its pid, its log).
 */
export async function startDetached(
  file: string,
  args: readonly string[],
  options: DetachedOptions = {},
): Promise<DetachedProcess> {
  const command = describeCommand(file, args);
  let out: number | undefined;
  try {
    if (options.logFile !== undefined) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      out = openSync(options.logFile, 'a');
    }
  } catch (cause) {
    throw new OpsError(`cannot open ${options.logFile} for the output of ${command}`, {
      cause,
      hint: 'check that the directory is writable',
    });
  }
  try {
    const child = spawn(file, [...args], {
      detached: true,
      stdio: ['ignore', out ?? 'ignore', out ?? 'ignore'],
      env: options.env ?? process.env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    const pid = await new Promise<number>((started, failed) => {
      child.once('spawn', () => started(child.pid as number));
      child.once('error', failed);
    }).catch((cause: NodeJS.ErrnoException) => {
      throw new OpsError(
        cause.code === 'ENOENT'
          ? `${file} is not installed (needed for: ${command})`
          : `could not start ${command}: ${cause.message}`,
        {
          cause,
          hint:
            cause.code === 'ENOENT'
              ? `install ${file} and run the command again`
              : 'check the program and its permissions',
        },
      );
    });
    child.unref();
    return { pid, command };
  } finally {
    // The child holds its own copy of the descriptor.
    if (out !== undefined) closeSync(out);
  }
}

function lineSplitter(onLine: (line: string, stream: 'stdout' | 'stderr') => void) {
  const partial = { stdout: '', stderr: '' };
  return {
    push(stream: 'stdout' | 'stderr', data: Buffer) {
      const text = partial[stream] + data.toString('utf8');
      const parts = text.split('\n');
      partial[stream] = parts.pop() ?? '';
      for (const line of parts) onLine(line, stream);
    },
    flush() {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream]) onLine(partial[stream], stream);
        partial[stream] = '';
      }
    },
  };
}
