import type { EventBus } from '../core/events.js';
import { runChecked } from '../core/process-runner.js';

/**
 * Runs a command whose output is only of interest when it fails: every line goes to the bus as a debug log, and the
 * error (from the one process runner) names the command with its output's tail. Aborting kills the whole process
 * tree with SIGTERM, so debootstrap's own exit traps still unmount what it mounted.
 */
export async function runLogged(
  command: string,
  args: string[],
  options: { bus: EventBus; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<void> {
  options.signal?.throwIfAborted();
  await runChecked(command, args, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.env ? { env: options.env } : {}),
    onLine: (line) => options.bus.emit({ kind: 'log', level: 'debug', message: `${command}: ${line}` }),
  });
}
