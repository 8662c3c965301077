import { runProcess } from '../core/process-runner.js';

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Where provisioning commands run: this machine, or (in tests) a throwaway container. */
export interface Shell {
  /** Said in messages, e.g. `this machine`, `container ops-test-debian`. */
  readonly where: string;
  /** Runs a bash script (as root where the shell can be root); never throws for a non-zero exit. */
  run(script: string, input?: string): Promise<ShellResult>;
}

/**
 * This machine, through the one process runner. Commands need root: when ops is not root they go through `sudo -n` (which fails at once,
 * with sudo's own message, rather than waiting for a password nobody will type).
 */
export function localShell(options: { asRoot?: boolean } = {}): Shell {
  const sudo = options.asRoot !== false && process.getuid?.() !== 0;
  return {
    where: 'this machine',
    async run(script, input) {
      const [file, ...args] = sudo ? ['sudo', '-n', 'bash', '-c', script] : ['bash', '-c', script];
      const result = await runProcess(file as string, args, input !== undefined ? { input } : {});
      return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
    },
  };
}
