import { Command, CommanderError } from 'commander';
import { isOpsError } from '../core/errors.js';
import { registerCommands } from './commands/index.js';
import { ExitStatus } from './exit-status.js';
import { type CliContext, createCliContext, type GlobalOptions } from './context.js';

/** Builds the `ops` program. Commands get the context lazily so `--help` never touches the state dir. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ops')
    .description(
      'Turn this machine into a private, offline coding-AI box: detect hardware, plan models, run engines and a gateway.',
    )
    .option('-v, --verbose', 'print debug progress')
    .option('--json-events', 'write progress events as JSON lines on stderr (for automation)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  let context: CliContext | undefined;
  const getContext = () => {
    context ??= createCliContext(program.opts<GlobalOptions>());
    return context;
  };
  registerCommands(program, getContext);
  return program;
}

/** The one top-level handler: user errors print message + hint and exit non-zero with no stack. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (or the help / version text).
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' ? 0 : 2;
    }
    if (error instanceof ExitStatus) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    if (isOpsError(error)) {
      process.stderr.write(`error: ${error.message}\n`);
      if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
      if (process.env.OPS_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    process.stderr.write(
      `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.stderr.write('hint: this is a bug in ops; please report it with the command you ran\n');
    return 70;
  }
}
