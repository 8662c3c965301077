/**
 * A client that sends chat requests through the gateway until stopped and counts answers and failures as a client
 * would see them: what "no failed requests during a switch" is measured with.
 */
export function keepAsking(url: string, options: { timeoutMs?: number } = {}) {
  let stop = false;
  const counts = { ok: 0, failed: 0, errors: [] as string[] };
  const loop = (async () => {
    while (!stop) {
      try {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'quality',
            messages: [{ role: 'user', content: 'hi' }],
            max_tokens: 4,
          }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
        });
        const body = await res.text();
        if (res.ok) counts.ok++;
        else {
          counts.failed++;
          counts.errors.push(`${res.status} ${body.slice(0, 200)}`);
        }
      } catch (error) {
        counts.failed++;
        counts.errors.push(String(error));
      }
    }
  })();
  return {
    counts,
    stop: async () => {
      stop = true;
      await loop;
    },
  };
}
