import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpsError } from '../core/errors.js';

/** The socket's name inside the relay's directory (mounted into the sandbox as a directory). */
export const RELAY_SOCKET = 'gateway.sock';

export interface GatewayRelay {
  /** The private directory holding the socket, to bind-mount into the sandbox. */
  dir: string;
  /** Connections relayed so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * The one door out of the agentic sandbox. The sandbox runs with no network at all; this unix socket, in a private
 * directory bind-mounted into it, is relayed to the gateway's address and to nothing else: whatever a connection
 * asks for, it reaches the gateway (whose loopback guard then sees a loopback peer and a loopback Host). A socket
 * rather than a Docker network: a container on an internal network can reach every other container on it and the
 * host's bridge address, and reaching the host's loopback, where the gateway listens, needs the host network.
 */
export async function startGatewayRelay(gatewayUrl: string): Promise<GatewayRelay> {
  const url = URL.canParse(gatewayUrl) ? new URL(gatewayUrl) : undefined;
  if (url?.protocol !== 'http:') {
    throw new OpsError(`the agentic suite relays plain HTTP to the gateway, got ${gatewayUrl}`, {
      exitCode: 2,
      hint: "pass the gateway's http:// URL with --gateway",
    });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const dir = mkdtempSync(join(tmpdir(), 'ops-relay-'));
  // The sandbox user (another uid) must traverse the directory and connect to the socket (connect needs write).
  chmodSync(dir, 0o755);
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  });
  const path = join(dir, RELAY_SOCKET);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    chmodSync(path, 0o666);
  } catch (error) {
    // Nothing of a relay that could not start is left behind.
    server.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    connections: () => count,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
