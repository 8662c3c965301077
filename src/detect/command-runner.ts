import { execFile } from 'node:child_process';

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
 * The real runner: `execFile` with a timeout (nvidia-smi can hang for a minute on a GPU in a bad state) and a large
 * output buffer (`-q -x` on 8 GPUs is about 1 MB).
 */
export const runCommand: CommandRunner = (file, args, options = {}) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 20_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        resolve({
          exitStatus: error ? (typeof code === 'number' ? code : null) : 0,
          stdout: stdout ?? '',
          stderr: stderr ?? '',
          notFound: code === 'ENOENT',
          timedOut: Boolean(error && (error as { killed?: boolean }).killed),
        });
      },
    );
  });
