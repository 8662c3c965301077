/**
 * Pull throughput against curl on the same loopback hub double, in the same run.
 *
 *   node --import tsx bench/store/pull-vs-curl.ts [sizeMiB=500] [runs=5] [connections=default]
 *
 * The hub double runs in a child process (as a real server would be another process). Each round times
 * `curl -L -o` of the file's resolve URL and `ops`'s pullModel with its default parallelism into a fresh store
 * (ranged download, sha256 verification, one fsync and admission included), alternating which goes first. Before
 * every timed run the page cache is flushed (`sync`, untimed) so neither tool pays for the other's dirty pages;
 * the source file stays in the page cache for both. curl is also shown with an fsync of its output (`sync -f`),
 * the same durability ops gives. Prints MB/s per run, the medians and the ratios, and the load average before and
 * after (the machines it runs on are shared: compare ratios taken under similar load).
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism as availableCores, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pullModel } from '../../src/store/pull-model.js';
import { storeLayout } from '../../src/store/store-layout.js';
import { diskFile, HubApiDouble, writePseudoRandomFile } from '../../test/store/hub-api-double.js';

const REPO = 'bench/Model-GGUF';
const COMMIT = 'b'.repeat(40);
const FILE = 'model-Q4_K_M.gguf';

if (process.argv[2] === '--serve') {
  const [, , , path, sha256] = process.argv;
  const hub = new HubApiDouble();
  const endpoint = await hub.start();
  hub.addRepo(REPO, COMMIT, [await diskFile(FILE, path!, sha256!)]);
  process.send?.({ endpoint });
} else {
  const sizeMiB = Number(process.argv[2] ?? 500);
  const runs = Number(process.argv[3] ?? 5);
  const connections = process.argv[4] ? Number(process.argv[4]) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ops-bench-'));
  try {
    const source = join(dir, 'source.bin');
    const sha256 = await writePseudoRandomFile(source, sizeMiB << 20, 42);
    const server = fork(fileURLToPath(import.meta.url), ['--serve', source, sha256], {
      execArgv: ['--import', 'tsx'],
    });
    const endpoint = await new Promise<string>((resolve) =>
      server.once('message', (m: { endpoint: string }) => resolve(m.endpoint)),
    );
    const url = `${endpoint}/${REPO}/resolve/${COMMIT}/${FILE}`;
    const mb = (sizeMiB << 20) / 1e6;
    const loadBefore = loadavg();
    const curl: number[] = [];
    const curlSynced: number[] = [];
    const ops: number[] = [];
    const timeCurl = () => {
      const out = join(dir, 'curl.out');
      execFileSync('sync');
      const t = performance.now();
      execFileSync('curl', ['-sSfL', '-o', out, url]);
      const fetched = performance.now() - t;
      execFileSync('sync', ['-f', out]);
      curl.push(mb / (fetched / 1000));
      curlSynced.push(mb / ((performance.now() - t) / 1000));
      rmSync(out);
    };
    const timeOps = async (i: number) => {
      const home = join(dir, `ops-${i}`);
      const layout = storeLayout({
        modelsDir: join(home, 'models'),
        planFile: join(home, 'p'),
        previousPlanFile: join(home, 'pp'),
      });
      execFileSync('sync');
      const t = performance.now();
      const result = await pullModel(layout, {
        reference: REPO,
        env: { HF_ENDPOINT: endpoint },
        connections,
      });
      ops.push(mb / ((performance.now() - t) / 1000));
      if (result.entries[0]?.sha256 !== sha256) throw new Error('pulled file does not verify');
      rmSync(home, { recursive: true, force: true });
    };
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        timeCurl();
        await timeOps(i);
      } else {
        await timeOps(i);
        timeCurl();
      }
      console.log(
        `run ${i + 1}: curl ${curl[i]!.toFixed(0)} MB/s (with fsync ${curlSynced[i]!.toFixed(0)})   ops pull ${ops[i]!.toFixed(0)} MB/s`,
      );
    }
    server.kill();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`file ${sizeMiB} MiB, ${runs} runs each, loopback`);
    console.log(`curl -L -o     median ${median(curl).toFixed(0)} MB/s`);
    console.log(`curl + fsync   median ${median(curlSynced).toFixed(0)} MB/s`);
    console.log(
      `ops models pull median ${median(ops).toFixed(0)} MB/s (parallel ranges + sha256 verify + admit)`,
    );
    console.log(`ratio ops/curl ${(median(ops) / median(curl)).toFixed(2)}`);
    console.log(`ratio ops/(curl + fsync) ${(median(ops) / median(curlSynced)).toFixed(2)}`);
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
    console.log(
      `load average before ${load(loadBefore)}, after ${load(loadavg())} (${availableCores()} cores)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
