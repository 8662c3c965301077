/**
 * Pull throughput against curl on the same loopback hub double, in the same run.
 *
 *   node --import tsx bench/store/pull-vs-curl.ts [sizeMiB=500] [runs=3] [connections=default]
 *
 * The hub double runs in a child process (as a real server would be another process). Each round times
 * `curl -L -o` of the file's resolve URL, then `ops`'s pullModel with its default parallelism into a fresh store
 * (ranged download, sha256 verification and admission included). Prints MB/s per run, the medians and the ratio.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  const runs = Number(process.argv[3] ?? 3);
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
    const curl: number[] = [];
    const ops: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = join(dir, 'curl.out');
      let t = performance.now();
      execFileSync('curl', ['-sSfL', '-o', out, url]);
      curl.push(mb / ((performance.now() - t) / 1000));
      rmSync(out);
      const home = join(dir, `ops-${i}`);
      const layout = storeLayout({
        modelsDir: join(home, 'models'),
        planFile: join(home, 'p'),
        previousPlanFile: join(home, 'pp'),
      });
      t = performance.now();
      const result = await pullModel(layout, {
        reference: REPO,
        env: { HF_ENDPOINT: endpoint },
        connections,
      });
      ops.push(mb / ((performance.now() - t) / 1000));
      if (result.entries[0]?.sha256 !== sha256) throw new Error('pulled file does not verify');
      rmSync(home, { recursive: true, force: true });
      console.log(`run ${i + 1}: curl ${curl[i]!.toFixed(0)} MB/s   ops pull ${ops[i]!.toFixed(0)} MB/s`);
    }
    server.kill();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`file ${sizeMiB} MiB, ${runs} runs each, loopback`);
    console.log(`curl -L -o     median ${median(curl).toFixed(0)} MB/s`);
    console.log(
      `ops models pull median ${median(ops).toFixed(0)} MB/s (parallel ranges + sha256 verify + admit)`,
    );
    console.log(`ratio ops/curl ${(median(ops) / median(curl)).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
