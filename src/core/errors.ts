/**
 * One error type with hints. Every failure a user can act on is an OpsError (or a subclass): it says what was
 * expected, what was found, and — in `hint` — what to do. The CLI prints `message` and `hint`, never a stack.
 */
export interface OpsErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Process exit code the CLI uses for this error. */
  exitCode?: number;
}

export class OpsError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: OpsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpsError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** One problem found while validating a file or a request, with the path of the field it concerns. */
export interface ValidationProblem {
  path: string;
  message: string;
}

/** Invalid input (a config file, a Plan, a profile): every problem is listed at once. */
export class ValidationError extends OpsError {
  readonly problems: ValidationProblem[];
  readonly source: string;

  constructor(source: string, problems: ValidationProblem[], options: OpsErrorOptions = {}) {
    const lines = problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`);
    super(
      `${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      {
        exitCode: 2,
        ...options,
      },
    );
    this.name = 'ValidationError';
    this.problems = problems;
    this.source = source;
  }
}

/** The container runtime is missing or unreachable. */
export class RuntimeUnavailableError extends OpsError {
  constructor(message: string, options: OpsErrorOptions = {}) {
    super(message, { exitCode: 3, ...options });
    this.name = 'RuntimeUnavailableError';
  }
}

/** An engine did not become healthy; `logTail` holds its last log lines. */
export class EngineHealthError extends OpsError {
  readonly engine: string;
  readonly logTail: string;

  constructor(engine: string, message: string, logTail: string, options: OpsErrorOptions = {}) {
    const tail = logTail.trim() ? `\n--- last log lines of ${engine} ---\n${logTail.trimEnd()}` : '';
    super(`${message}${tail}`, { exitCode: 4, ...options });
    this.name = 'EngineHealthError';
    this.engine = engine;
    this.logTail = logTail;
  }
}

/** A child process failed; keeps what it printed and its exit code. */
export class CommandError extends OpsError {
  readonly command: string;
  readonly exitStatus: number | null;
  readonly stdout: string;
  readonly stderr: string;

  constructor(
    command: string,
    result: { exitStatus: number | null; stdout: string; stderr: string },
    options: OpsErrorOptions = {},
  ) {
    const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
    super(
      `command failed (exit ${result.exitStatus ?? 'signal'}): ${command}${tail ? `\n${tail}` : ''}`,
      options,
    );
    this.name = 'CommandError';
    this.command = command;
    this.exitStatus = result.exitStatus;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

/** True for errors a user caused or can fix (printed without a stack). */
export function isOpsError(error: unknown): error is OpsError {
  return error instanceof OpsError;
}
