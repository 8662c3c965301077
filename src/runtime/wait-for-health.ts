import { EngineHealthError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { httpRequest } from '../http/http-client.js';
import type { ContainerRuntime } from './container-runtime.js';

export interface HealthTarget {
  name: string;
  containerId: string;
  url: string;
  healthPath: string;
  timeoutS: number;
}

/**
 * One GET of an engine's health URL; true on 200 (llama.cpp answers 503 while it loads the model). The HTTP
 * layer's deadline is a ref'd timer: while Docker's port proxy holds a connection to an engine that is not
 * listening yet, the CLI must wait for it, not exit mid-await (exit code 13, seen with fetch's unref'd timeout).
 */
export async function probeHealth(url: string, timeoutMs = 3000): Promise<boolean> {
  try {
    // No retry: the callers poll on their own clock.
    const res = await httpRequest(url, { timeoutMs, retry: 'none' });
    await res.dump();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Polls the engine from the host until it answers healthy. Gives up early when the container exits or keeps
 * restarting (a corrupt model crashes llama-server at load), and reports the engine's last log lines.
 */
export async function waitForHealth(
  target: HealthTarget,
  runtime: ContainerRuntime,
  bus: EventBus,
  options: { pollMs?: number; logLines?: number } = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 250;
  const started = performance.now();
  const deadline = started + target.timeoutS * 1000;
  const url = `${target.url}${target.healthPath}`;
  let lastReport = 0;
  // A container that restarted before this `up` (an old crash) must not count as crashing now.
  const baseline = (await runtime.inspect(target.containerId).catch(() => undefined))?.restartCount ?? 0;
  for (;;) {
    if (await probeHealth(url)) {
      bus.emit({
        kind: 'engine:healthy',
        name: target.name,
        url: target.url,
        elapsedMs: performance.now() - started,
      });
      return;
    }
    const state = await runtime.inspect(target.containerId).catch(() => undefined);
    const crashed =
      !state || state.state === 'exited' || state.state === 'dead' || state.restartCount > baseline;
    const timedOut = performance.now() > deadline;
    if (crashed || timedOut) {
      const reason = !state
        ? 'the container disappeared'
        : crashed
          ? `the engine exited (exit code ${state.exitCode}${state.oomKilled ? ', killed for lack of memory' : ''})`
          : `no healthy answer from ${url} within ${target.timeoutS} s`;
      // Stop a crash-looping engine so it does not spin; it stays for `ops logs` until `ops down`.
      const logs = await runtime.logs(target.containerId, options.logLines ?? 25).catch(() => '');
      await runtime.stop(target.containerId, 2).catch(() => undefined);
      bus.emit({ kind: 'engine:unhealthy', name: target.name, reason });
      throw new EngineHealthError(
        target.name,
        `engine ${target.name} did not become healthy: ${reason}`,
        logs,
        {
          hint: crashed
            ? `read the log lines above (all of them: ops logs ${target.name}); a corrupt or incomplete model file, too large a context for memory, or a wrong flag in args are the usual causes`
            : `raise healthTimeoutS for ${target.name} in the Plan if the model is large, or check ops logs ${target.name}`,
        },
      );
    }
    const now = performance.now();
    if (now - lastReport > 2000) {
      lastReport = now;
      bus.emit({ kind: 'engine:waiting', name: target.name, url: target.url, elapsedMs: now - started });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
