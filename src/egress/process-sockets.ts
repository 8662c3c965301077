import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isLeaving, parseSocketTable, type SocketProtocol, type SocketRow } from './socket-table.js';

/** A process ops runs, named for the report (`gateway`, `engine coder`, `agent`). */
export interface WatchedProcess {
  pid: number;
  owner: string;
}

/** A socket of a watched process whose peer is beyond loopback. */
export interface LeavingSocket extends SocketRow {
  pid: number;
  owner: string;
  command: string;
}

const PROTOCOLS: SocketProtocol[] = ['tcp', 'tcp6', 'udp', 'udp6'];

/** Inodes of the sockets a process holds (its fd links read `socket:[N]`); undefined when /proc hides them. */
function socketInodes(pid: number): Set<number> | undefined {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed while we looked
    }
  }
  return out;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * The sockets of the given processes that reach beyond loopback, now (a snapshot: a connection refused and closed
 * before the look leaves no trace; the zero-egress test records packets instead). Each process's tables are read
 * from its own network namespace (`/proc/<pid>/net/…`), so processes in containers are seen as they see it.
 * `unreadable` lists processes whose descriptors /proc would not show (another user's, without root).
 */
export function leavingSockets(processes: readonly WatchedProcess[]): {
  sockets: LeavingSocket[];
  unreadable: WatchedProcess[];
} {
  const sockets: LeavingSocket[] = [];
  const unreadable: WatchedProcess[] = [];
  for (const p of processes) {
    const inodes = socketInodes(p.pid);
    if (!inodes) {
      unreadable.push(p);
      continue;
    }
    const command = readOr(`/proc/${p.pid}/comm`, '?').trim();
    for (const protocol of PROTOCOLS) {
      const rows = parseSocketTable(protocol, readOr(`/proc/${p.pid}/net/${protocol}`, ''));
      for (const row of rows)
        if (inodes.has(row.inode) && isLeaving(row))
          sockets.push({ ...row, pid: p.pid, owner: p.owner, command });
    }
  }
  return { sockets, unreadable };
}

/** One line per socket: `gateway (node, pid 12) → 203.0.113.7:443 tcp syn-sent`. */
export function describeLeaving(s: LeavingSocket): string {
  const host = s.remote.address.includes(':') ? `[${s.remote.address}]` : s.remote.address;
  return `${s.owner} (${s.command}, pid ${s.pid}) → ${host}:${s.remote.port} ${s.protocol.replace('6', '')} ${s.state}`;
}
