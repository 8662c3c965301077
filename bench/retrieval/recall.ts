/**
 * Code retrieval on this repository: recall@5 and MRR of BM25 alone, vectors alone and the hybrid, over the
 * questions in questions.yaml (answer files known); index time and query latency. Vectors come from a real
 * llama.cpp engine in embedding mode (`ops up` with `--embeddings --pooling mean`) serving the built-in smoke model:
 * its weights are random, so its vectors are noise and BM25 carries the hybrid here (and only each chunk's first 400
 * characters are embedded, to keep the CPU run short; a real model gets 2000). With a real embedding model,
 * point OPS_EMBEDDINGS_URL at it and the same run measures that instead.
 *
 *   node --import tsx bench/retrieval/recall.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CodeIndex } from '../../src/retrieval/code-index.js';
import { httpEmbedder } from '../../src/retrieval/embeddings-client.js';
import type { SearchMode } from '../../src/retrieval/types.js';

const root = resolve(import.meta.dirname, '..', '..');
const questions = parse(readFileSync(join(import.meta.dirname, 'questions.yaml'), 'utf8')) as {
  q: string;
  files: string[];
}[];
for (const { files } of questions)
  for (const f of files)
    if (!existsSync(join(root, f))) console.warn(`warning: answer file ${f} does not exist`);

const freePort = () =>
  new Promise<number>((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => done(typeof a === 'object' && a ? a.port : 0));
    });
  });

const home = mkdtempSync(join(tmpdir(), 'ops-bench-retrieval-'));
const ops = (...args: string[]) =>
  execFileSync(process.execPath, [join(root, 'bin', 'ops.js'), ...args], {
    env: { ...process.env, OPS_HOME: home },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });

let url = process.env.OPS_EMBEDDINGS_URL;
let deployment: string | undefined;
if (!url) {
  deployment = `bench-embed-${process.pid}`;
  const port = await freePort();
  const plan = join(home, 'embed.yaml');
  writeFileSync(
    plan,
    `version: 1\ndeployment: ${deployment}\nengines:\n  - name: embed\n    engine: llama.cpp\n    model: builtin:ops-smoke-tiny\n    contextLength: 8192\n    parallel: 1\n    port: ${port}\n    args: ["--embeddings", "--pooling", "mean", "-ub", "8192", "-b", "8192"]\n`,
  );
  console.log('starting the smoke model in embedding mode (ops up)…');
  ops('up', '--plan', plan);
  url = `http://127.0.0.1:${port}`;
}

try {
  const results: Record<string, unknown>[] = [];
  const indexes: Record<'bm25' | 'vectors', CodeIndex> = {
    bm25: new CodeIndex(root, join(home, 'bm25.sqlite')),
    vectors: new CodeIndex(
      root,
      join(home, 'vec.sqlite'),
      httpEmbedder(url, { maxChars: process.env.OPS_EMBEDDINGS_URL ? 2000 : 400 }),
      url,
    ),
  };
  const indexMs: Record<string, number> = {};
  for (const [name, index] of Object.entries(indexes)) {
    const stats = await index.update();
    indexMs[name] = stats.elapsedMs;
    console.log(
      `index (${name}): ${stats.files} files, ${stats.chunks} chunks in ${(stats.elapsedMs / 1000).toFixed(1)} s`,
    );
  }
  const incremental = await indexes.bm25.update();
  console.log(
    `re-index with nothing changed: ${incremental.elapsedMs.toFixed(0)} ms (${incremental.changed} files read)`,
  );

  for (const mode of ['bm25', 'vector', 'hybrid'] as SearchMode[]) {
    const index = mode === 'bm25' ? indexes.bm25 : indexes.vectors;
    let hits = 0;
    let rr = 0;
    const latencies: number[] = [];
    for (const { q, files } of questions) {
      const started = performance.now();
      const found = await index.search(q, { mode, limit: 5 });
      latencies.push(performance.now() - started);
      const rank = found.findIndex((h) => files.includes(h.path));
      if (rank >= 0) {
        hits++;
        rr += 1 / (rank + 1);
      }
    }
    latencies.sort((a, b) => a - b);
    results.push({
      mode,
      'recall@5': (hits / questions.length).toFixed(3),
      MRR: (rr / questions.length).toFixed(3),
      'p50 ms': latencies[Math.floor(latencies.length / 2)]?.toFixed(1),
      'p95 ms': latencies[Math.floor(latencies.length * 0.95)]?.toFixed(1),
    });
  }
  console.log(
    `\n${questions.length} questions on ${root}; embeddings from ${url}${process.env.OPS_EMBEDDINGS_URL ? '' : ' (smoke model: noise vectors)'}`,
  );
  console.table(results);
  const bm25 = results[0] as { MRR: string };
  for (const r of results.slice(1) as { mode: string; MRR: string }[])
    console.log(`${r.mode} MRR / bm25 MRR = ${(Number(r.MRR) / Number(bm25.MRR)).toFixed(2)}`);
  for (const i of Object.values(indexes)) i.close();
} finally {
  if (deployment) ops('down', '--deployment', deployment);
  rmSync(home, { recursive: true, force: true });
}
