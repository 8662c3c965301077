/**
 * The ops agent as a service: the entry point of the `ops/agent` image (bundled into one file, src/images/
 * agent-image.ts), also runnable with tsx. Everything comes from the environment, so the container needs no CLI:
 *   OPS_HOME (the state directory, mounted at the same path as on the host: ledger, spool, config.yaml, logs),
 *   OPS_AGENT_PLAN (the agent's copy of the Plan whose gateway and engines it probes; default the current Plan).
 * It logs to stderr (docker logs) and to $OPS_HOME/logs/agent.log, where `ops agent` run on the host logs too.
 * A failure exits 1; the container's restart policy starts it again.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { attachConsoleReporter } from '../core/console-reporter.js';
import { isOpsError } from '../core/errors.js';
import { EventBus } from '../core/events.js';
import { attachJsonLog } from '../core/json-log.js';
import { resolveStateDir } from '../core/state-dir.js';
import { runAgent, stopSignal } from './run-agent.js';

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const state = resolveStateDir(env);
  mkdirSync(state.logsDir, { recursive: true });
  const log = join(state.logsDir, 'agent.log');
  const bus = new EventBus();
  // The log file as well as stderr: the place to look does not depend on how the agent runs.
  const tee = {
    write(text: string) {
      process.stderr.write(text);
      try {
        appendFileSync(log, text);
      } catch {
        // A full disk must not stop the sampling; stderr still has it.
      }
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  attachConsoleReporter(bus, { stream: tee });
  attachJsonLog(bus, state.eventLog);
  bus.emit({
    kind: 'log',
    level: 'info',
    message: `ops agent (container) started at ${new Date().toISOString()}`,
  });
  await runAgent({
    state,
    bus,
    ...(env.OPS_AGENT_PLAN ? { planFile: env.OPS_AGENT_PLAN } : {}),
    signal: stopSignal(),
  });
}

main(process.env).then(
  () => process.exit(0),
  (error: unknown) => {
    const message = isOpsError(error)
      ? `${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
    process.stderr.write(`ops agent: ${message}\n`);
    process.exit(1);
  },
);
