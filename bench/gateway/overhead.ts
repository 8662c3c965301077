/**
 * Added latency of the gateway at one client: the same requests sent to a fast stub upstream directly and
 * through the gateway, sequentially over keep-alive connections. Prints p50/p99 of both and the difference.
 * The stub writes each answer at once (no timers between chunks), so the difference is the gateway's own.
 *   node --import tsx bench/gateway/overhead.ts [requests]
 */
import http from 'node:http';
import { createGateway } from '../../src/gateway/server.js';
import { startFastStub } from './fast-stub-upstream.js';

const N = Number(process.argv[2] ?? 2000);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(url: string, body: string): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(url: string, body: string): Promise<number[]> {
  for (let i = 0; i < 200; i++) await request(url, body);
  const times: number[] = [];
  for (let i = 0; i < N; i++) times.push(await request(url, body));
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

const upstream = await startFastStub();
const gateway = createGateway({
  upstreams: [
    {
      name: 'coder',
      baseUrl: upstream.baseUrl,
      aliases: ['quality'],
      contextLength: 32768,
      parallel: 4,
      engine: 'llama.cpp',
    },
  ],
  cache: false,
});
const gw = await gateway.listen(0);
const messages = [
  { role: 'system', content: 'You are a coding assistant. '.repeat(40) },
  { role: 'user', content: 'Write a function that adds two numbers. '.repeat(10) },
];
const cases = [
  {
    name: 'chat completions',
    direct: `${upstream.url}/v1/chat/completions`,
    via: `${gw}/v1/chat/completions`,
    body: { model: 'quality', messages, max_tokens: 256 },
  },
  {
    name: 'chat completions (stream)',
    direct: `${upstream.url}/v1/chat/completions`,
    via: `${gw}/v1/chat/completions`,
    body: { model: 'quality', messages, max_tokens: 256, stream: true },
    // The gateway always asks upstream for usage (one more chunk); the direct run asks too, to compare like with like.
    directBody: {
      model: 'quality',
      messages,
      max_tokens: 256,
      stream: true,
      stream_options: { include_usage: true },
    },
  },
  {
    name: 'messages (Anthropic → OpenAI)',
    direct: `${upstream.url}/v1/chat/completions`,
    via: `${gw}/v1/messages`,
    body: {
      model: 'claude-sonnet-x',
      system: messages[0]!.content,
      messages: [messages[1]],
      max_tokens: 256,
    },
    directBody: { model: 'quality', messages, max_tokens: 256 },
  },
  {
    name: 'messages (stream)',
    direct: `${upstream.url}/v1/chat/completions`,
    via: `${gw}/v1/messages`,
    body: {
      model: 'claude-sonnet-x',
      system: messages[0]!.content,
      messages: [messages[1]],
      max_tokens: 256,
      stream: true,
    },
    directBody: {
      model: 'quality',
      messages,
      max_tokens: 256,
      stream: true,
      stream_options: { include_usage: true },
    },
  },
];
console.log(`${N} sequential requests per case, one client, keep-alive`);
for (const c of cases) {
  const direct = await measure(c.direct, JSON.stringify(c.directBody ?? c.body));
  const via = await measure(c.via, JSON.stringify(c.body));
  const line = (label: string, t: number[]) =>
    `${label} p50 ${pct(t, 50).toFixed(3)} ms, p99 ${pct(t, 99).toFixed(3)} ms`;
  console.log(
    `${c.name}:\n  ${line('direct ', direct)}\n  ${line('gateway', via)}\n  added p50 ${(pct(via, 50) - pct(direct, 50)).toFixed(3)} ms`,
  );
}
await gateway.close();
await upstream.close();
agent.destroy();
