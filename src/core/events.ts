/**
 * One typed event stream. Long-running work emits events here; the console reporter, the JSON log (and later
 * the ledger) subscribe, so progress output, logs and reports never disagree.
 */
export type OpsEvent =
  | { kind: 'step:start'; step: string; detail?: string }
  | { kind: 'step:done'; step: string; detail?: string; durationMs: number }
  | { kind: 'step:skip'; step: string; reason: string }
  | { kind: 'step:fail'; step: string; error: string }
  | { kind: 'progress'; step: string; done: number; total?: number; unit: 'bytes' | 'items' | 'percent' }
  | { kind: 'log'; level: 'debug' | 'info' | 'warn'; message: string }
  | { kind: 'image:build'; image: string; phase: 'cached' | 'bootstrap' | 'import' | 'layer' | 'done' }
  | { kind: 'container:create'; name: string; engine: string; configHash: string }
  | { kind: 'container:reuse'; name: string; configHash: string }
  | { kind: 'container:replace'; name: string; oldHash: string; newHash: string }
  | { kind: 'container:remove'; name: string; reason: string }
  | { kind: 'engine:waiting'; name: string; url: string; elapsedMs: number }
  | { kind: 'engine:healthy'; name: string; url: string; elapsedMs: number }
  | { kind: 'engine:unhealthy'; name: string; reason: string }
  | { kind: 'model:written'; path: string; bytes: number; sha256: string }
  | {
      kind: 'download:progress';
      file: string;
      doneBytes: number;
      totalBytes: number;
      bytesPerSecond: number;
      etaSeconds?: number;
    }
  | { kind: 'download:retry'; file: string; attempt: number; delayMs: number; reason: string }
  | {
      kind: 'model:stored';
      id: string;
      variant: string;
      file: string;
      sha256: string;
      bytes: number;
      reused: boolean;
    }
  | { kind: 'gateway:listening'; url: string; upstreams: string[] }
  | {
      kind: 'provision:step';
      step: string;
      status: 'satisfied' | 'pending' | 'kept' | 'not-applicable' | 'manual' | 'unsupported' | 'refused';
      detail: string;
    }
  | { kind: 'setup:stage'; stage: string; phase: 'start' | 'done' | 'resumed'; detail?: string }
  /** Model switches (`ops upgrade-models`, `ops rollback`); `id` ties the events of one attempt together. */
  | {
      kind: 'upgrade:start';
      id: string;
      deployment: string;
      action: 'upgrade' | 'rollback';
      strategy: 'blue-green' | 'stop-and-swap';
      changes: string[];
    }
  | {
      kind: 'upgrade:switched';
      id: string;
      deployment: string;
      action: 'upgrade' | 'rollback';
      strategy: 'blue-green' | 'stop-and-swap';
      from: string[];
      to: string[];
      durationMs: number;
    }
  /** The new engine failed health or the smoke check; the old one serves again. */
  | {
      kind: 'upgrade:rolled-back';
      id: string;
      deployment: string;
      action: 'upgrade' | 'rollback';
      strategy: 'blue-green' | 'stop-and-swap';
      reason: string;
      durationMs: number;
    }
  /** The switch failed and the old engines could not be brought back either. */
  | {
      kind: 'upgrade:failed';
      id: string;
      deployment: string;
      action: 'upgrade' | 'rollback';
      strategy: 'blue-green' | 'stop-and-swap';
      reason: string;
      durationMs: number;
    };

export type OpsEventKind = OpsEvent['kind'];
export type EventListener = (event: OpsEvent & { at: string }) => void;

/** A minimal synchronous event bus; listeners must not throw. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: OpsEvent): void {
    const stamped = { ...event, at: new Date().toISOString() };
    for (const listener of this.listeners) listener(stamped);
  }
}

/** A bus with no listeners, for library callers and tests that do not care about progress. */
export const silentBus = (): EventBus => new EventBus();
