/**
 * How many parallel connections to open per file (pure). Parallel ranges help when one connection is limited by
 * latency or per-connection shaping on the far side (CDNs); huggingface_hub's hf_transfer used 8. They do not help
 * when the bottleneck is this machine's CPU: on loopback or with two cores or fewer, every extra connection adds
 * socket and scheduling work, and ranges that arrive out of order must be read back to be hashed.
 */
export const REMOTE_CONNECTIONS = 8;
/** Few cores: the reader, the disk writes and the hash already compete for the CPU. */
const FEW_CORES = 2;

export interface ConnectionContext {
  /** An explicit `--connections`; wins over every heuristic. */
  requested?: number;
  /** Host name of the URL the bytes come from. */
  host: string;
  /** CPU cores available to this process. */
  cores: number;
}

/** The connection count for a download: 1 on loopback, 2 on small machines, REMOTE_CONNECTIONS otherwise. */
export function chooseConnections({ requested, host, cores }: ConnectionContext): number {
  if (requested !== undefined && Number.isFinite(requested)) return Math.max(1, Math.floor(requested));
  if (isLoopbackHost(host)) return 1;
  if (cores <= FEW_CORES) return 2;
  return REMOTE_CONNECTIONS;
}

/** True for `localhost` and the loopback addresses (127.0.0.0/8, ::1), with or without IPv6 brackets. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const v4 = bare.replace(/^::ffff:/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
