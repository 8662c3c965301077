import type { EventBus } from './events.js';

/** Runs `work` as a named step: emits step:start, then step:done or step:fail, and rethrows failures. */
export async function timedStep<T>(
  bus: EventBus,
  step: string,
  work: () => Promise<T>,
  detail?: string,
): Promise<T> {
  const started = performance.now();
  bus.emit({ kind: 'step:start', step, ...(detail ? { detail } : {}) });
  try {
    const result = await work();
    bus.emit({ kind: 'step:done', step, durationMs: performance.now() - started });
    return result;
  } catch (error) {
    bus.emit({ kind: 'step:fail', step, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
