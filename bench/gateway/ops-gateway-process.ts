/**
 * The ops gateway alone in a process, in front of one OpenAI-compatible upstream, for benchmarks that
 * compare it with other proxies each in their own process.
 *   node --import tsx bench/gateway/ops-gateway-process.ts <upstream /v1 base URL> [port]
 * Prints `listening <url>` once it accepts requests.
 */
import { createGateway } from '../../src/gateway/server.js';

const [baseUrl, port = '0'] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: ops-gateway-process.ts <upstream /v1 base URL> [port]');
  process.exit(2);
}
// Slots well above the bench's 32 clients so the admission queue never holds a request back: the bench
// measures the gateway's own cost, not its queueing. 32k context per slot, as a coding model is run.
const parallel = 64;
const gateway = createGateway({
  upstreams: [
    {
      name: 'coder',
      baseUrl,
      aliases: ['coder'],
      contextLength: 32768 * parallel,
      parallel,
      engine: 'llama.cpp',
    },
  ],
  cache: false,
});
console.log(`listening ${await gateway.listen(Number(port))}`);
process.on('SIGTERM', () => {
  gateway.close().then(() => process.exit(0));
});
