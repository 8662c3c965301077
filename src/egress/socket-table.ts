/**
 * Reading the kernel's socket tables (`/proc/<pid>/net/{tcp,tcp6,udp,udp6}`), pure. Addresses there are hex in the
 * kernel's byte order: IPv4 one little-endian 32-bit word, IPv6 four of them (proc(5), "/proc/net/tcp").
 */

export type SocketProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6';

export interface SocketRow {
  protocol: SocketProtocol;
  local: { address: string; port: number };
  remote: { address: string; port: number };
  /** TCP state name (`established`, `syn-sent`, …); for UDP `connected` or `unconnected`. */
  state: string;
  inode: number;
}

/** include/net/tcp_states.h */
const TCP_STATES: Record<number, string> = {
  1: 'established',
  2: 'syn-sent',
  3: 'syn-recv',
  4: 'fin-wait1',
  5: 'fin-wait2',
  6: 'time-wait',
  7: 'close',
  8: 'close-wait',
  9: 'last-ack',
  10: 'listen',
  11: 'closing',
};

function word(hex: string): number[] {
  // One 32-bit word as the kernel printed it: its bytes in memory order are the reverse of the text.
  return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
}

/** `0100007F` → `127.0.0.1`; 32 hex digits → a compressed IPv6 text (IPv4-mapped shown as `::ffff:a.b.c.d`). */
export function decodeAddress(hex: string): string {
  if (hex.length === 8) return word(hex).join('.');
  if (hex.length !== 32) throw new Error(`not a /proc/net address: ${hex}`);
  const bytes = [0, 8, 16, 24].flatMap((i) => word(hex.slice(i, i + 8)));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** Parses one table's text; the header and malformed lines are skipped. */
export function parseSocketTable(protocol: SocketProtocol, text: string): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) continue;
    const [localHex, localPort] = f[1]!.split(':');
    const [remoteHex, remotePort] = f[2]!.split(':');
    const st = Number.parseInt(f[3]!, 16);
    const remote = { address: decodeAddress(remoteHex!), port: Number.parseInt(remotePort!, 16) };
    rows.push({
      protocol,
      local: { address: decodeAddress(localHex!), port: Number.parseInt(localPort!, 16) },
      remote,
      state: protocol.startsWith('tcp')
        ? (TCP_STATES[st] ?? `state-${st}`)
        : remote.port === 0
          ? 'unconnected'
          : 'connected',
      inode: Number(f[9]),
    });
  }
  return rows;
}

/** Loopback or unspecified: the address never leaves the machine's network namespace. */
export function isLocalAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || v4 === '0.0.0.0' || address === '::1' || address === '::';
}

/** A row whose peer lies beyond loopback: an open or attempted connection out. */
export function isLeaving(row: SocketRow): boolean {
  return row.remote.port !== 0 && !isLocalAddress(row.remote.address) && row.state !== 'listen';
}
