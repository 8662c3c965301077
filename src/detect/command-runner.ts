import { runProcess } from '../core/process-runner.js';

/** What a finished command printed; `notFound` when the binary is not installed. */
export interface CommandResult {
  exitStatus: number | null;
  stdout: string;
  stderr: string;
  notFound: boolean;
  timedOut: boolean;
}

/** Runs a command and resolves with its result, never rejecting; detection strategies take one of these. */
export type CommandRunner = (
  file: string,
  args: string[],
  options?: { timeoutMs?: number },
) => Promise<CommandResult>;

/**
 * The real runner: the one process runner with a timeout (nvidia-smi can hang for a minute on a GPU in a bad state).
 */
export const runCommand: CommandRunner = async (file, args, options = {}) => {
  const result = await runProcess(file, args, { timeoutMs: options.timeoutMs ?? 20_000 });
  return {
    exitStatus: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    notFound: result.notFound,
    timedOut: result.timedOut,
  };
};
