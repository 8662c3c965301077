import { request as httpRequest } from 'node:http';

/**
 * One JSON exchange over node:http with a ref'd timer (the reason probeHealth in wait-for-health.ts gives:
 * undici's unref'd timers can let the CLI exit mid-await). Resolves with the status and parsed body (undefined
 * when the body is not JSON); rejects on connection errors and on timeout.
 */
export function httpJson(
  url: string,
  options: { method?: 'GET' | 'POST'; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        agent: false,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 10_000} ms`)),
      options.timeoutMs ?? 10_000,
    );
    req.on('error', reject);
    req.on('close', () => clearTimeout(timer));
    req.end(payload);
  });
}
