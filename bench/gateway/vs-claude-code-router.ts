/**
 * The ops gateway against claude-code-router (ccr) 2.0.0 on the same Claude-Code-shaped workload: an
 * Anthropic `/v1/messages` stream of ~15 KB (8 KB system prompt, 10 tools) sent (a) directly to a fast stub
 * that speaks both APIs, (b) through the ops gateway, (c) through ccr, each proxy in its own process in
 * front of the same stub. Prints, at 1 client and at 32 concurrent clients: throughput, p50/p99 latency
 * and the latency each proxy adds over direct; then the ops/ccr ratios and whether each reports real
 * token usage in its stream.
 *   npm install --prefix bench/gateway/ccr      (once; ccr 3.x needs Node 22)
 *   node --import tsx bench/gateway/vs-claude-code-router.ts [sequentialRequests=1000] [secondsAt32=5]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claudeCodeRequest } from './claude-code-workload.js';

const here = dirname(fileURLToPath(import.meta.url));
const SEQUENTIAL = Number(process.argv[2] ?? 1000);
const SECONDS_AT_32 = Number(process.argv[3] ?? 5);
const CLIENTS = 32;
const CCR_CLI = join(here, 'ccr/node_modules/@musistudio/claude-code-router/dist/cli.js');

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
const stopAll = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const f of cleanups) f();
};
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Spawns a process and resolves once a line of its output matches `ready`. */
function startProcess(
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = process.env,
  cwd = join(here, '../..'),
): Promise<RegExpMatchArray> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = seen.match(ready);
      if (m) resolve(m);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}:\n${seen}`)));
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: '/' }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing answered on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Target {
  name: string;
  port: number;
  agent1: http.Agent;
  agentN: http.Agent;
}

const body = JSON.stringify(claudeCodeRequest());
const headers = {
  'content-type': 'application/json',
  'content-length': String(Buffer.byteLength(body)),
  'anthropic-version': '2023-06-01',
  'x-api-key': 'bench',
};

/** One request; resolves with its latency to the last byte in ms, and the body when asked for. */
function send(t: Target, agent: http.Agent, keep = false): Promise<{ ms: number; text: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: t.port, method: 'POST', path: '/v1/messages', headers, agent },
      (res) => {
        let text = '';
        let tail = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (keep) text += d;
          tail = (tail + d).slice(-64);
        });
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          if (res.statusCode !== 200 || !tail.includes('message_stop'))
            reject(
              new Error(`${t.name}: HTTP ${res.statusCode}, stream ended without message_stop: ${tail}`),
            );
          else resolve({ ms, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

async function oneClient(t: Target): Promise<number[]> {
  for (let i = 0; i < Math.min(200, SEQUENTIAL); i++) await send(t, t.agent1);
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) times.push((await send(t, t.agent1)).ms);
  return times.sort((a, b) => a - b);
}

async function manyClients(t: Target): Promise<{ rps: number; times: number[] }> {
  const warmUntil = Date.now() + 1000;
  const run = async (until: number, into?: number[]) => {
    while (Date.now() < until) {
      const { ms } = await send(t, t.agentN);
      into?.push(ms);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, () => run(warmUntil)));
  const times: number[] = [];
  const started = performance.now();
  const until = Date.now() + SECONDS_AT_32 * 1000;
  await Promise.all(Array.from({ length: CLIENTS }, () => run(until, times)));
  const elapsedS = (performance.now() - started) / 1000;
  return { rps: times.length / elapsedS, times: times.sort((a, b) => a - b) };
}

/** Token usage as the stream reports it: input from message_start, output from message_delta. */
function streamUsage(text: string): { input: number; output: number } {
  let input = 0;
  let output = 0;
  for (const frame of text.split('\n\n')) {
    const data = frame.split('\n').find((l) => l.startsWith('data:'));
    if (!data) continue;
    const e = JSON.parse(data.slice(5));
    if (e.type === 'message_start') input = e.message?.usage?.input_tokens ?? 0;
    if (e.type === 'message_delta') {
      output = e.usage?.output_tokens ?? 0;
      input = Math.max(input, e.usage?.input_tokens ?? 0);
    }
  }
  return { input, output };
}

if (!existsSync(CCR_CLI)) {
  console.error(`claude-code-router is not installed: run  npm install --prefix ${join(here, 'ccr')}`);
  process.exit(2);
}

const [, stubUrl] = await startProcess(
  ['--import', 'tsx', join(here, 'fast-stub-upstream.ts')],
  /fast stub on (http:\S+)/,
);
const stubPort = Number(new URL(stubUrl!).port);
const [, opsUrl] = await startProcess(
  ['--import', 'tsx', join(here, 'ops-gateway-process.ts'), `${stubUrl}/v1`],
  /listening (http:\S+)/,
);

const ccrHome = mkdtempSync(join(tmpdir(), 'ops-bench-ccr-'));
cleanups.push(() => rmSync(ccrHome, { recursive: true, force: true }));
const ccrPort = await freePort();
mkdirSync(join(ccrHome, '.claude-code-router'));
// ccr's config.json as its README describes it: one provider (the stub's chat completions URL) as the default
// route; logging off, as the ops gateway logs nothing per request either.
writeFileSync(
  join(ccrHome, '.claude-code-router/config.json'),
  JSON.stringify({
    LOG: false,
    HOST: '127.0.0.1',
    PORT: ccrPort,
    NON_INTERACTIVE_MODE: true,
    Providers: [
      { name: 'stub', api_base_url: `${stubUrl}/v1/chat/completions`, api_key: 'none', models: ['coder'] },
    ],
    Router: { default: 'stub,coder' },
  }),
);
await startProcess([CCR_CLI, 'start'], /Loaded JSON config/, { ...process.env, HOME: ccrHome }, ccrHome);
await waitForPort(ccrPort, 30_000);

const agents = () => ({
  agent1: new http.Agent({ keepAlive: true, maxSockets: 1 }),
  agentN: new http.Agent({ keepAlive: true, maxSockets: CLIENTS }),
});
const targets: Target[] = [
  { name: 'direct', port: stubPort, ...agents() },
  { name: 'ops', port: Number(new URL(opsUrl!).port), ...agents() },
  { name: 'ccr', port: ccrPort, ...agents() },
];

console.log(
  `workload: Anthropic /v1/messages stream, ${Buffer.byteLength(body)} bytes per request; node ${process.version}`,
);
const results: Record<
  string,
  { one: number[]; many: { rps: number; times: number[] }; usage: { input: number; output: number } }
> = {};
for (const t of targets) {
  const usage = streamUsage((await send(t, t.agent1, true)).text);
  const one = await oneClient(t);
  const many = await manyClients(t);
  results[t.name] = { one, many, usage };
}

const f = (n: number) => n.toFixed(3);
const direct = results.direct!;
console.log(`\n1 client, ${SEQUENTIAL} sequential requests (latency to the stream's last byte):`);
for (const t of targets) {
  const r = results[t.name]!;
  const added =
    t.name === 'direct'
      ? ''
      : `   added p50 ${f(pct(r.one, 50) - pct(direct.one, 50))} ms, p99 ${f(pct(r.one, 99) - pct(direct.one, 99))} ms`;
  console.log(
    `  ${t.name.padEnd(6)} p50 ${f(pct(r.one, 50))} ms, p99 ${f(pct(r.one, 99))} ms, ${f(1000 / (r.one.reduce((a, b) => a + b, 0) / r.one.length))} req/s${added}`,
  );
}
console.log(`\n${CLIENTS} concurrent clients, ${SECONDS_AT_32} s:`);
for (const t of targets) {
  const r = results[t.name]!.many;
  const added =
    t.name === 'direct'
      ? ''
      : `   added p50 ${f(pct(r.times, 50) - pct(direct.many.times, 50))} ms, p99 ${f(pct(r.times, 99) - pct(direct.many.times, 99))} ms`;
  console.log(
    `  ${t.name.padEnd(6)} ${r.rps.toFixed(0).padStart(6)} req/s, p50 ${f(pct(r.times, 50))} ms, p99 ${f(pct(r.times, 99))} ms${added}`,
  );
}
const ops = results.ops!;
const ccr = results.ccr!;
const addedP50 = (r: typeof ops) => pct(r.one, 50) - pct(direct.one, 50);
console.log('\nops / ccr:');
console.log(`  throughput at ${CLIENTS} clients: ${(ops.many.rps / ccr.many.rps).toFixed(1)}x`);
console.log(
  `  added p50 latency at 1 client: ${f(addedP50(ops))} ms vs ${f(addedP50(ccr))} ms (${(addedP50(ccr) / Math.max(0.001, addedP50(ops))).toFixed(1)}x less)`,
);
console.log('\ntoken usage reported in the stream (input / output):');
for (const t of targets) {
  const u = results[t.name]!.usage;
  console.log(`  ${t.name.padEnd(6)} ${u.input} / ${u.output}${u.input && u.output ? '' : '   <- zeros'}`);
}
for (const t of targets) {
  t.agent1.destroy();
  t.agentN.destroy();
}
stopAll();
process.exit(0);
