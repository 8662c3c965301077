import { attachConsoleReporter } from '../core/console-reporter.js';
import { EventBus } from '../core/events.js';
import { attachJsonLog, attachJsonStream } from '../core/json-log.js';
import { ensureStateDir, resolveStateDir, type StateDir } from '../core/state-dir.js';

/** What every command gets: the state directory and the event bus wired to the console and the JSON log. */
export interface CliContext {
  state: StateDir;
  bus: EventBus;
  /** Print a result: JSON when `--json` was given, otherwise the human text. */
  output: (human: string, json: unknown, asJson: boolean) => void;
}

export interface GlobalOptions {
  verbose?: boolean;
  jsonEvents?: boolean;
}

export function createCliContext(options: GlobalOptions = {}): CliContext {
  const state = ensureStateDir(resolveStateDir());
  const bus = new EventBus();
  if (options.jsonEvents) attachJsonStream(bus, process.stderr);
  else attachConsoleReporter(bus, { verbose: options.verbose ?? false });
  attachJsonLog(bus, state.eventLog);
  return {
    state,
    bus,
    output: (human, json, asJson) => {
      process.stdout.write(
        asJson ? `${JSON.stringify(json, null, 2)}\n` : human.endsWith('\n') ? human : `${human}\n`,
      );
    },
  };
}
