/**
 * Downloads over a simulated wide-area link: ops's download engine against curl and against undici with the same
 * parallel ranges, in the same run, from the same server. It decides whether the store keeps a download path of
 * its own or uses the one HTTP client layer (src/http/) like everything else.
 *
 *   node --import tsx bench/store/wan-download.ts [sizeMiB=256] [runs=3] [connections=8] [rttMs=40] [perConnMBps=8] [linkMbit]
 *
 * Needs root and iproute2 (`apt-get install -y iproute2`): the server runs in its own network namespace behind a
 * veth pair (wan-link.ts); the round trip and the per-connection cap are made by that server (wan-file-server.ts,
 * this kernel has no netem); `linkMbit` adds a tc tbf rate for the whole link. Each client fetches the same
 * generated file (never committed) with `connections` ranges in parallel:
 *
 * - ops: `downloadFile` as `ops models pull` runs it (probe, parallel ranges, sha256 in the stream, progress sidecar);
 * - curl: one `curl -r a-b` process per range, all at once (curl's own way to fetch ranges in parallel);
 * - undici: an Agent with `connections` sockets, one ranged `request` per range, written at its offset.
 *
 * The order rotates each run. Prints MB/s per run, medians, and ops's ratio to each.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { downloadFile } from '../../src/store/download-engine.js';
import { writePseudoRandomFile } from '../../test/store/hub-api-double.js';
import { openWanLink } from './wan-link.js';

const [sizeMiB, runs, connections, rttMs, perConnMBps] = [256, 3, 8, 40, 8].map((d, i) =>
  process.argv[2 + i] ? Number(process.argv[2 + i]) : d,
) as [number, number, number, number, number];
const linkMbit = process.argv[7] ? Number(process.argv[7]) : undefined;
const bytes = sizeMiB << 20;
const mb = bytes / 1e6;
const port = 8443;

/** `[start, end)` ranges, one per connection. */
function ranges(n: number): Array<[number, number]> {
  const step = Math.ceil(bytes / n);
  return Array.from({ length: n }, (_, i) => [i * step, Math.min(bytes, (i + 1) * step)] as [number, number]);
}

async function timeOps(url: string, out: string): Promise<number> {
  const t = performance.now();
  const result = await downloadFile({
    url,
    partialPath: out,
    label: 'bench',
    expectedBytes: bytes,
    connections,
    minParallelBytes: 0,
  });
  const ms = performance.now() - t;
  rmSync(out, { force: true });
  rmSync(`${out}.progress.json`, { force: true });
  return ms && result.bytes === bytes ? mb / (ms / 1000) : Number.NaN;
}

async function timeCurl(url: string, dir: string): Promise<number> {
  const t = performance.now();
  await Promise.all(
    ranges(connections).map(
      ([s, e], i) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn('curl', ['-sSf', '-r', `${s}-${e - 1}`, '-o', join(dir, `curl.${i}`), url], {
            stdio: 'inherit',
          });
          child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`))));
        }),
    ),
  );
  const ms = performance.now() - t;
  for (let i = 0; i < connections; i++) rmSync(join(dir, `curl.${i}`));
  return mb / (ms / 1000);
}

async function timeUndici(url: string, out: string): Promise<number> {
  const agent = new Agent({ connections });
  const file = await open(out, 'w');
  const t = performance.now();
  try {
    await Promise.all(
      ranges(connections).map(async ([s, e]) => {
        const res = await request(url, { dispatcher: agent, headers: { range: `bytes=${s}-${e - 1}` } });
        if (res.statusCode !== 206) throw new Error(`undici: HTTP ${res.statusCode}`);
        let at = s;
        for await (const chunk of res.body) {
          await file.write(chunk as Buffer, 0, (chunk as Buffer).length, at);
          at += (chunk as Buffer).length;
        }
        if (at !== e) throw new Error(`undici: range ended at ${at}, not ${e}`);
      }),
    );
    return mb / ((performance.now() - t) / 1000);
  } finally {
    await file.close();
    await agent.close();
    rmSync(out);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'ops-wan-'));
const link = openWanLink({ id: String(process.pid % 10_000), linkMbit });
let server: ReturnType<typeof spawn> | undefined;
try {
  const source = join(dir, 'source.bin');
  const sha256 = await writePseudoRandomFile(source, bytes, 7);
  const serverScript = fileURLToPath(new URL('./wan-file-server.ts', import.meta.url));
  const [cmd, ...args] = link.execArgv([
    process.execPath,
    '--import',
    'tsx',
    serverScript,
    source,
    sha256,
    link.farAddress,
    String(port),
    String(rttMs),
    String(perConnMBps),
  ]);
  server = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server!.stdout!.once('data', () => resolve());
    server!.once('exit', (code) => reject(new Error(`the file server exited ${code}`)));
  });
  const url = `http://${link.farAddress}:${port}/model.gguf`;
  // Warm-up, untimed: the server's page cache, tsx's compile cache, and a check that ops's copy is the file.
  const check = await downloadFile({ url, partialPath: join(dir, 'check'), label: 'check', connections });
  if (check.sha256 !== sha256) throw new Error('the downloaded file does not match the source');
  rmSync(join(dir, 'check'));
  const shaCurl = createHash('sha256')
    .update(await readFile(source))
    .digest('hex');
  if (shaCurl !== sha256) throw new Error('source hash changed');

  const results = { ops: [] as number[], curl: [] as number[], undici: [] as number[] };
  const loadBefore = loadavg();
  const clients: Array<[keyof typeof results, () => Promise<number>]> = [
    ['ops', () => timeOps(url, join(dir, 'ops.partial'))],
    ['curl', () => timeCurl(url, dir)],
    ['undici', () => timeUndici(url, join(dir, 'undici.out'))],
  ];
  for (let run = 0; run < runs; run++) {
    const order = [...clients.slice(run % 3), ...clients.slice(0, run % 3)];
    const line: string[] = [];
    for (const [name, time] of order) {
      execFileSync('sync');
      const mbps = await time();
      results[name].push(mbps);
      line.push(`${name} ${mbps.toFixed(1)}`);
    }
    console.log(`run ${run + 1}: ${line.join('   ')} MB/s`);
  }
  const ceiling = Math.min(connections * perConnMBps, linkMbit === undefined ? Infinity : linkMbit / 8);
  console.log(
    `file ${sizeMiB} MiB, ${connections} parallel ranges, RTT ${rttMs} ms, ${perConnMBps} MB/s per connection` +
      `${linkMbit === undefined ? '' : `, link ${linkMbit} Mbit/s`} (ceiling ${ceiling.toFixed(0)} MB/s), ${runs} runs`,
  );
  for (const name of Object.keys(results) as Array<keyof typeof results>)
    console.log(`${name.padEnd(7)} median ${median(results[name]).toFixed(1)} MB/s`);
  console.log(`ratio ops/curl ${(median(results.ops) / median(results.curl)).toFixed(3)}`);
  console.log(`ratio ops/undici ${(median(results.ops) / median(results.undici)).toFixed(3)}`);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `load average before ${load(loadBefore)}, after ${load(loadavg())} (${availableParallelism()} cores)`,
  );
} finally {
  server?.kill();
  link.close();
  rmSync(dir, { recursive: true, force: true });
}
