import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The one state directory: config, current and previous plans, model store, ledger, logs.
 * `OPS_HOME` wins; otherwise `$XDG_DATA_HOME/ops`, otherwise `~/.local/share/ops`.
 */
export interface StateDir {
  root: string;
  planFile: string;
  previousPlanFile: string;
  modelsDir: string;
  logsDir: string;
  cacheDir: string;
  eventLog: string;
}

export function resolveStateDir(env: NodeJS.ProcessEnv = process.env): StateDir {
  const root = env.OPS_HOME
    ? resolve(env.OPS_HOME)
    : join(env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), '.local', 'share'), 'ops');
  return {
    root,
    planFile: join(root, 'plan.yaml'),
    previousPlanFile: join(root, 'plan.previous.yaml'),
    modelsDir: join(root, 'models'),
    logsDir: join(root, 'logs'),
    cacheDir: join(root, 'cache'),
    eventLog: join(root, 'logs', 'events.ndjson'),
  };
}

/** Creates the directories of the state dir that do not exist yet. */
export function ensureStateDir(state: StateDir): StateDir {
  for (const dir of [state.root, state.modelsDir, state.logsDir, state.cacheDir])
    mkdirSync(dir, { recursive: true });
  return state;
}
