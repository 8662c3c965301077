import { Command, CommanderError } from 'commander';
import { isOpsError } from '../core/errors.js';
import { registerCommands } from './commands/index.js';
import type { CliContext, GlobalOptions } from './context.js';
import { ExitStatus } from './exit-status.js';

/**
 * Builds the `ops` program for one command line: the global options, and the commands of the one file that
 * defines the command named in `argv` (every command listed by name when none is named). Commands get the
 * context lazily so `--help` never touches the state dir.
 */
export async function buildProgram(argv: string[]): Promise<Command> {
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

  const name = commandName(argv.slice(2));
  // The context (console reporter, progress bars, state dir) is loaded only for a command that will run.
  const { createCliContext } =
    name === undefined ? { createCliContext: undefined } : await import('./context.js');
  let context: CliContext | undefined;
  const getContext = () => {
    if (!createCliContext) throw new Error('a listed command ran without being loaded');
    context ??= createCliContext(program.opts<GlobalOptions>());
    return context;
  };
  await registerCommands(program, getContext, name);
  return program;
}

/**
 * The command a command line names: its first operand (the global options take no value), or the one after
 * `help` (`ops help plan`). Undefined for `ops`, `ops --help`, `ops --version`.
 */
export function commandName(args: string[]): string | undefined {
  const operands: string[] = [];
  for (const arg of args) {
    if (arg === '--') break;
    if (!arg.startsWith('-')) operands.push(arg);
    if (operands.length === 2) break;
  }
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/** The one top-level handler: user errors print message + hint and exit non-zero with no stack. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
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
