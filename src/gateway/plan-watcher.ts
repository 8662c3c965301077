import { type FSWatcher, readFileSync, watch as watchDir } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * A hold asked for by a model switch (stop-and-swap): admission to these upstreams waits until the hold is
 * lifted or `untilMs` (epoch ms) passes, whichever comes first.
 */
export interface HoldRequest {
  upstreams: string[];
  untilMs: number;
}

/** The hold file beside a gateway Plan copy: `<deployment>.plan.yaml` → `<deployment>.hold.json`. */
export function holdFileFor(planFile: string): string {
  return planFile.endsWith('.plan.yaml')
    ? planFile.replace(/\.plan\.yaml$/, '.hold.json')
    : `${planFile}.hold.json`;
}

/** Parses a hold file; undefined for an absent, empty or malformed one (no hold). Pure. */
export function parseHold(text: string | undefined): HoldRequest | undefined {
  if (!text?.trim()) return undefined;
  try {
    const doc = JSON.parse(text) as { upstreams?: unknown; untilMs?: unknown };
    const upstreams = Array.isArray(doc.upstreams)
      ? doc.upstreams.filter((u): u is string => typeof u === 'string')
      : [];
    const untilMs = typeof doc.untilMs === 'number' ? doc.untilMs : 0;
    return upstreams.length > 0 && untilMs > 0 ? { upstreams, untilMs } : undefined;
  } catch {
    return undefined;
  }
}

export interface GatewayFilesWatch {
  planFile: string;
  holdFile: string;
  /** Called with the Plan text whenever it differs from the last one seen (not for the initial text). */
  onPlan: (text: string) => void;
  /** Called when the hold file's content changes (undefined: no hold). */
  onHold: (hold: HoldRequest | undefined) => void;
  /** Poll interval; inotify events trigger a read sooner (default 500 ms). */
  intervalMs?: number;
  initialPlanText?: string;
}

/**
 * Watches the gateway's Plan copy and hold file. The host replaces them by atomic rename, so the directory is
 * what is mounted (a single-file bind mount keeps showing the replaced inode) and the file is read again by
 * path. inotify on a bind mount sees host-side renames on Linux, but a poll backs it up (network filesystems,
 * Docker Desktop's file sharing).
 */
export function watchGatewayFiles(options: GatewayFilesWatch): { close(): void } {
  let lastPlan = options.initialPlanText;
  let lastHold = '';
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  const check = () => {
    const plan = read(options.planFile);
    if (plan !== undefined && plan !== lastPlan) {
      lastPlan = plan;
      options.onPlan(plan);
    }
    const hold = read(options.holdFile) ?? '';
    if (hold !== lastHold) {
      lastHold = hold;
      options.onHold(parseHold(hold));
    }
  };
  check();
  const timer = setInterval(check, options.intervalMs ?? 500);
  let watcher: FSWatcher | undefined;
  try {
    const names = new Set([basename(options.planFile), basename(options.holdFile)]);
    watcher = watchDir(dirname(options.planFile), (_event, name) => {
      if (!name || names.has(name.toString())) check();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    // No inotify here: the poll alone serves.
  }
  return {
    close() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
