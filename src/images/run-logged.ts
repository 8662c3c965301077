import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CommandError, OpsError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';

const TAIL_LINES = 40;

/**
 * Runs a command whose output is only of interest when it fails: every line goes to the bus as a debug log, the
 * last lines are kept for the CommandError. Aborting kills the whole process group (debootstrap runs dpkg in a
 * chroot beneath it) with SIGTERM, so its own exit traps still unmount what it mounted.
 */
export async function runLogged(
  command: string,
  args: string[],
  options: { bus: EventBus; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<void> {
  options.signal?.throwIfAborted();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: options.env ?? process.env,
  });
  const tail: string[] = [];
  const keep = (line: string) => {
    options.bus.emit({ kind: 'log', level: 'debug', message: `${command}: ${line}` });
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  createInterface({ input: child.stdout }).on('line', keep);
  createInterface({ input: child.stderr }).on('line', keep);

  const onAbort = () => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exitStatus = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    if (options.signal?.aborted) {
      throw new OpsError(`interrupted: ${command}`, { cause: options.signal.reason, exitCode: 130 });
    }
    if (exitStatus !== 0) {
      throw new CommandError([command, ...args].join(' '), {
        exitStatus,
        stdout: '',
        stderr: tail.join('\n'),
      });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OpsError(`${command} is not installed`, { cause: error });
    }
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
