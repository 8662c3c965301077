import { createServer } from 'node:net';

/** True when nothing listens on host:port (tries to bind it for a moment). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The ports in `ports` that something already listens on. */
export async function takenPorts(ports: { port: number; host: string }[]): Promise<Set<number>> {
  const taken = new Set<number>();
  await Promise.all(
    ports.map(async ({ port, host }) => {
      const bindHost = host === '0.0.0.0' || host === '::' ? host : '127.0.0.1';
      if (!(await isPortFree(port, bindHost))) taken.add(port);
    }),
  );
  return taken;
}
