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

/**
 * The process's own sockets that reach beyond loopback (pure). A connection it accepted on a port it listens on
 * came in (for a published container port, from Docker's proxy on the bridge gateway): only the rest go out.
 */
export function outboundRows(rows: readonly SocketRow[], inodes: ReadonlySet<number>): SocketRow[] {
  const own = rows.filter((r) => inodes.has(r.inode));
  const listening = new Set(
    own.filter((r) => r.state === 'listen').map((r) => `${r.protocol.replace('6', '')}:${r.local.port}`),
  );
  return own.filter((r) => isLeaving(r) && !listening.has(`${r.protocol.replace('6', '')}:${r.local.port}`));
}

/**
 * Inodes of the sockets a process holds (its fd links read `socket:[N]`); 'gone' when the process has ended,
 * 'hidden' when /proc will not show its descriptors (another user's, without root).
 */
function socketInodes(pid: number): Set<number> | 'gone' | 'hidden' {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'hidden';
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
    if (inodes === 'gone') continue;
    if (inodes === 'hidden') {
      unreadable.push(p);
      continue;
    }
    const command = readOr(`/proc/${p.pid}/comm`, '?').trim();
    const rows = PROTOCOLS.flatMap((protocol) =>
      parseSocketTable(protocol, readOr(`/proc/${p.pid}/net/${protocol}`, '')),
    );
    for (const row of outboundRows(rows, inodes))
      sockets.push({ ...row, pid: p.pid, owner: p.owner, command });
  }
  return { sockets, unreadable };
}

/** One line per socket: `gateway (node, pid 12) → 203.0.113.7:443 tcp syn-sent`. */
export function describeLeaving(s: LeavingSocket): string {
  const host = s.remote.address.includes(':') ? `[${s.remote.address}]` : s.remote.address;
  return `${s.owner} (${s.command}, pid ${s.pid}) → ${host}:${s.remote.port} ${s.protocol.replace('6', '')} ${s.state}`;
}
