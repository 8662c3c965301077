/**
 * A simulated wide-area link for the download benchmarks: a network namespace joined to this one by a veth pair,
 * so the far side is a real route with a 1500-byte MTU, not loopback (where ops also picks one connection).
 *
 * `tc qdisc … netem` is what such a link is usually made with, but this machine's kernel has no sch_netem
 * ("Error: Specified qdisc kind is unknown"; the same for fq and fq_codel): the round trip and the per-connection
 * cap are therefore made by the far side's server (wan-file-server.ts). What tc does here is the link's overall
 * rate (`tbf`), when one is asked for. Needs root (CAP_NET_ADMIN) and iproute2.
 */
import { execFileSync } from 'node:child_process';

export interface WanLink {
  namespace: string;
  /** The far side's address, reachable from this namespace over the veth pair. */
  farAddress: string;
  nearAddress: string;
  /** Runs argv inside the namespace (`ip netns exec`). */
  execArgv: (argv: string[]) => string[];
  close: () => void;
}

export interface WanLinkOptions {
  /** Short unique suffix for the namespace and interface names (interface names have 15 characters at most). */
  id: string;
  /** Overall link rate in Mbit/s through tc tbf; omitted = the veth's own speed. */
  linkMbit?: number;
  /** The /24 to use, as its first three octets. */
  subnet?: string;
}

/** Creates the namespace, the veth pair, addresses and the optional tbf rate; `close()` removes all of it. */
export function openWanLink(options: WanLinkOptions): WanLink {
  const namespace = `ops-wan-${options.id}`;
  const near = `ow${options.id}n`.slice(0, 15);
  const far = `ow${options.id}f`.slice(0, 15);
  const subnet = options.subnet ?? '10.231.7';
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const close = () => {
    for (const args of [
      ['link', 'del', near],
      ['netns', 'del', namespace],
    ]) {
      try {
        ip(...args);
      } catch {
        // already gone
      }
    }
  };
  close();
  try {
    ip('netns', 'add', namespace);
    ip('link', 'add', near, 'type', 'veth', 'peer', 'name', far);
    ip('link', 'set', far, 'netns', namespace);
    ip('addr', 'add', `${subnet}.1/24`, 'dev', near);
    ip('link', 'set', near, 'up');
    const inside = (...args: string[]) => ip('netns', 'exec', namespace, 'ip', ...args);
    inside('addr', 'add', `${subnet}.2/24`, 'dev', far);
    inside('link', 'set', far, 'up');
    inside('link', 'set', 'lo', 'up');
    if (options.linkMbit !== undefined) {
      // Token bucket on both ends: the rate each way, a burst of about 10 ms at that rate.
      const burstBytes = Math.max(16_000, Math.round((options.linkMbit * 1e6) / 8 / 100));
      const tbf = [
        'root',
        'tbf',
        'rate',
        `${options.linkMbit}mbit`,
        'burst',
        `${burstBytes}`,
        'latency',
        '50ms',
      ];
      execFileSync('tc', ['qdisc', 'add', 'dev', near, ...tbf]);
      execFileSync('ip', ['netns', 'exec', namespace, 'tc', 'qdisc', 'add', 'dev', far, ...tbf]);
    }
  } catch (error) {
    close();
    throw error;
  }
  return {
    namespace,
    farAddress: `${subnet}.2`,
    nearAddress: `${subnet}.1`,
    execArgv: (argv) => ['ip', 'netns', 'exec', namespace, ...argv],
    close,
  };
}
