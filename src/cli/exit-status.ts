/**
 * A command's answer that is a non-zero exit status but not a failure, for scripts to branch on: `ops
 * upgrade-models --check` exits 10 when an upgrade is available. The CLI prints the message as it is (no
 * "error:" prefix, no hint) and exits with the status. Failures stay OpsErrors.
 */
export class ExitStatus extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message: string) {
    super(message);
    this.name = 'ExitStatus';
    this.exitCode = exitCode;
  }
}
