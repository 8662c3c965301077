import cliProgress from 'cli-progress';
import type { EventBus, OpsEvent } from './events.js';

type Stamped = OpsEvent & { at: string };

/** The mark of a provisioning step's status, the same in the event stream and in setup's listing of its decisions. */
export const PROVISION_STATUS_MARK: Record<Extract<OpsEvent, { kind: 'provision:step' }>['status'], string> =
  {
    satisfied: '✓',
    pending: '→',
    kept: '=',
    'not-applicable': '-',
    manual: '!',
    unsupported: '✗',
    refused: '✗',
  };

/**
 * Renders the event stream for a person, on stderr (stdout is kept for results and `--json`).
 * One formatter per event kind; progress events drive a bar on a TTY and are throttled to lines otherwise.
 */
export function attachConsoleReporter(
  bus: EventBus,
  options: { stream?: NodeJS.WriteStream; verbose?: boolean } = {},
): () => void {
  const stream = options.stream ?? process.stderr;
  const bars = new Map<string, cliProgress.SingleBar>();
  const lastLinePct = new Map<string, number>();
  const write = (line: string) => stream.write(`${line}\n`);

  const stopBar = (step: string) => {
    const bar = bars.get(step);
    if (bar) {
      bar.stop();
      bars.delete(step);
    }
  };

  return bus.on((event: Stamped) => {
    switch (event.kind) {
      case 'step:start':
        write(`• ${event.step}${event.detail ? ` — ${event.detail}` : ''}`);
        break;
      case 'step:done':
        stopBar(event.step);
        write(`✓ ${event.step}${event.detail ? ` — ${event.detail}` : ''} (${formatMs(event.durationMs)})`);
        break;
      case 'step:skip':
        write(`- ${event.step}: ${event.reason}`);
        break;
      case 'step:fail':
        stopBar(event.step);
        write(`✗ ${event.step}: ${event.error.split('\n')[0]}`);
        break;
      case 'progress':
        renderProgress(event);
        break;
      case 'log':
        if (event.level !== 'debug' || options.verbose)
          write(`${event.level === 'warn' ? '! ' : '  '}${event.message}`);
        break;
      case 'image:build':
        if (event.phase === 'cached') write(`✓ image ${event.image} is up to date (cached)`);
        else if (options.verbose) write(`  image ${event.image}: ${event.phase}`);
        break;
      case 'container:create':
        write(`  + ${event.name} (${event.engine}, config ${event.configHash.slice(0, 12)})`);
        break;
      case 'container:reuse':
        write(`  = ${event.name} unchanged`);
        break;
      case 'container:replace':
        write(`  ~ ${event.name} changed (${event.oldHash.slice(0, 12)} → ${event.newHash.slice(0, 12)})`);
        break;
      case 'container:remove':
        write(`  - ${event.name} (${event.reason})`);
        break;
      case 'engine:waiting':
        if (options.verbose)
          write(`  … waiting for ${event.name} at ${event.url} (${formatMs(event.elapsedMs)})`);
        break;
      case 'engine:healthy':
        write(`✓ ${event.name} healthy at ${event.url} (${formatMs(event.elapsedMs)})`);
        break;
      case 'engine:unhealthy':
        write(`✗ ${event.name} unhealthy: ${event.reason.split('\n')[0]}`);
        break;
      case 'model:written':
        write(`✓ wrote ${event.path} (${formatBytes(event.bytes)}, sha256 ${event.sha256.slice(0, 12)}…)`);
        break;
      case 'download:progress':
        renderDownload(event);
        break;
      case 'download:retry':
        write(`! ${event.file}: ${event.reason}; retry ${event.attempt} in ${formatMs(event.delayMs)}`);
        break;
      case 'model:stored':
        write(
          `✓ ${event.id} ${event.variant} ${event.file} ${event.reused ? 'already in the store' : 'stored'} (${formatBytes(event.bytes)}, sha256 ${event.sha256.slice(0, 12)}…)`,
        );
        break;
      case 'gateway:listening':
        write(`✓ gateway listening at ${event.url} (upstreams: ${event.upstreams.join(', ')})`);
        break;
      case 'provision:step': {
        write(
          `${PROVISION_STATUS_MARK[event.status]} host: ${event.step} (${event.status}) — ${event.detail}`,
        );
        break;
      }
      case 'setup:stage':
        if (event.phase === 'start') write(`▶ ${event.stage}${event.detail ? ` — ${event.detail}` : ''}`);
        else if (event.phase === 'resumed')
          write(`✓ ${event.stage}: done earlier${event.detail ? ` (${event.detail})` : ''}`);
        else if (event.detail) write(`✓ ${event.stage} — ${event.detail}`);
        break;
      case 'upgrade:start':
        write(`▶ ${event.action} ${event.deployment} (${event.strategy}): ${event.changes.join('; ')}`);
        break;
      case 'upgrade:switched':
        write(
          `✓ ${event.action} ${event.deployment}: now serving ${event.to.join(', ')} (was ${event.from.join(', ') || 'nothing'}; ${formatMs(event.durationMs)})`,
        );
        break;
      case 'upgrade:rolled-back':
        write(`✗ ${event.action} ${event.deployment} rolled back: ${event.reason.split('\n')[0]}`);
        break;
      case 'upgrade:failed':
        write(`✗ ${event.action} ${event.deployment} failed: ${event.reason.split('\n')[0]}`);
        break;
    }
  });

  /** A download bar with the rate and ETA from the event (not cli-progress's own estimate, which ignores resumes). */
  function renderDownload(event: Extract<OpsEvent, { kind: 'download:progress' }>) {
    const step = `download ${event.file}`;
    const payload = {
      rate: `${formatBytes(event.bytesPerSecond)}/s`,
      eta: event.etaSeconds === undefined ? '-' : formatMs(event.etaSeconds * 1000),
      sizes: `${formatBytes(event.doneBytes)}/${formatBytes(event.totalBytes)}`,
    };
    if (stream.isTTY && event.totalBytes > 0) {
      let bar = bars.get(step);
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `  ${event.file} [{bar}] {percentage}% {sizes} {rate} ETA {eta}`, stream },
          cliProgress.Presets.shades_classic,
        );
        bar.start(event.totalBytes, event.doneBytes, payload);
        bars.set(step, bar);
      }
      bar.update(event.doneBytes, payload);
      if (event.doneBytes >= event.totalBytes) stopBar(step);
      return;
    }
    if (event.totalBytes <= 0) return;
    const pct = Math.floor((event.doneBytes / event.totalBytes) * 4) * 25;
    if (pct > (lastLinePct.get(step) ?? -1)) {
      lastLinePct.set(step, pct);
      write(`  ${event.file}: ${pct}% (${payload.sizes}, ${payload.rate})`);
    }
  }

  function renderProgress(event: Extract<OpsEvent, { kind: 'progress' }>) {
    if (stream.isTTY && event.total) {
      let bar = bars.get(event.step);
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `  ${event.step} [{bar}] {percentage}% {value}/{total} ETA {eta_formatted}`, stream },
          cliProgress.Presets.shades_classic,
        );
        bar.start(event.total, 0);
        bars.set(event.step, bar);
      }
      bar.update(event.done);
      return;
    }
    // Not a TTY: one line per 25% so CI logs stay short.
    if (!event.total) return;
    const pct = Math.floor((event.done / event.total) * 4) * 25;
    if (pct > (lastLinePct.get(event.step) ?? -1)) {
      lastLinePct.set(event.step, pct);
      write(`  ${event.step}: ${pct}%`);
    }
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
