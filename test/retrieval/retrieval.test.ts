import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { Bm25Index, tokenize } from '../../src/retrieval/bm25.js';
import { chunkFile } from '../../src/retrieval/chunker.js';
import { CodeIndex } from '../../src/retrieval/code-index.js';
import type { Embedder } from '../../src/retrieval/embeddings-client.js';
import { handleMcpRequest } from '../../src/retrieval/mcp-server.js';
import { reciprocalRankFusion, topK } from '../../src/retrieval/rank-fusion.js';
import { isIndexable, isSecretFile } from '../../src/retrieval/repo-files.js';

describe('code retrieval: the pure parts', () => {
  it('splits identifiers the way people ask about them', () => {
    assert.deepEqual(tokenize('loadPlanForHost(load_plan)'), [
      'loadplanforhost',
      'load',
      'plan',
      'host',
      'load_plan',
      'load',
      'plan',
    ]);
    assert.deepEqual(tokenize('HTTPServer parses'), ['httpserver', 'http', 'server', 'parse']);
  });

  it('chunks TypeScript by declaration (with doc comments and methods) and Python by def/class', () => {
    const ts = [
      "import x from 'y';",
      '',
      '/** Adds. */',
      'export function add(a: number, b: number): number {',
      "  const s = '}';",
      '  return a + b;',
      '}',
      'export class Box {',
      '  open(): void {',
      '    if (x) {',
      '    }',
      '  }',
      '}',
      'export type Id = string;',
    ].join('\n');
    const chunks = chunkFile('src/a.ts', ts);
    assert.deepEqual(
      chunks.map((c) => [c.kind, c.name, c.startLine, c.endLine]),
      [
        ['function', 'add', 3, 7],
        ['class', 'Box', 8, 13],
        ['method', 'Box.open', 9, 12],
        ['block', 'Id', 14, 14],
      ],
    );
    const py = 'import os\n\nclass A:\n    def f(self):\n        return 1\n\ndef g():\n    pass\n';
    assert.deepEqual(
      chunkFile('m.py', py).map((c) => [c.kind, c.name, c.startLine, c.endLine]),
      [
        ['class', 'A', 3, 5],
        ['method', 'f', 4, 5],
        ['function', 'g', 7, 8],
      ],
    );
    // No declarations: overlapping windows of lines.
    const md = Array.from({ length: 130 }, (_, i) => `line ${i}`).join('\n');
    assert.deepEqual(
      chunkFile('README.md', md).map((c) => [c.startLine, c.endLine]),
      [
        [1, 60],
        [51, 110],
        [101, 130],
      ],
    );
  });

  it('BM25 ranks the document with the rarer matching term first; RRF rewards agreement', () => {
    const index = new Bm25Index();
    index.add(tokenize('gateway routes requests to engines'));
    index.add(tokenize('the ledger stores power samples'));
    index.add(tokenize('gateway gateway gateway'));
    assert.deepEqual(topK(index.scores(tokenize('power samples')), 3), [1]);
    const fused = reciprocalRankFusion([
      [0, 1, 2],
      [1, 0, 2],
    ]);
    assert.ok((fused.get(0) ?? 0) === (fused.get(1) ?? 0));
    assert.ok((fused.get(2) ?? 0) < (fused.get(0) ?? 0));
  });

  it('never indexes secrets files, lock files or binaries', () => {
    for (const p of [
      '.env',
      'app/.env.production',
      'deploy/id_rsa',
      'certs/server.pem',
      'config/secrets.yaml',
      '.npmrc',
    ])
      assert.equal(isSecretFile(p) && !isIndexable(p), true, p);
    for (const p of ['package-lock.json', 'model.gguf', 'logo.png']) assert.equal(isIndexable(p), false, p);
    for (const p of ['src/a.ts', 'Makefile', 'docs/x.md', 'tool.py']) assert.equal(isIndexable(p), true, p);
  });
});

describe('code retrieval: an index over a real directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'ops-code-'));
  const home = mkdtempSync(join(tmpdir(), 'ops-code-home-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'src'));
  writeFileSync(
    join(root, 'src', 'power.ts'),
    'export function samplePowerWatts(gpu: number) {\n  return readNvml(gpu);\n}\n',
  );
  writeFileSync(
    join(root, 'src', 'routes.ts'),
    'export function routeRequest(alias: string) {\n  return pickUpstream(alias);\n}\n',
  );
  writeFileSync(join(root, '.env'), 'ANTHROPIC_API_KEY=sk-secret-power\n');

  /** A stand-in for an embedding model's judgement: a vector of letter counts (deterministic, no model). */
  const letters: Embedder = {
    embed: async (texts) =>
      texts.map((t) => {
        const v = new Float32Array(26);
        for (const ch of t.toLowerCase()) {
          const i = ch.charCodeAt(0) - 97;
          if (i >= 0 && i < 26) v[i] = (v[i] ?? 0) + 1;
        }
        return v;
      }),
  };

  it('indexes, searches, re-reads only what changed, forgets deleted files and never the secrets file', async () => {
    const index = new CodeIndex(root, join(home, 'i.sqlite'), letters, 'letters');
    const first = await index.update();
    assert.equal(first.files, 2);
    assert.equal(first.changed, 2);
    assert.equal(first.withVectors, first.chunks);
    const hits = await index.search('power watts', { mode: 'bm25' });
    assert.equal(hits[0]?.path, 'src/power.ts');
    assert.ok(!hits.some((h) => h.path === '.env'));
    assert.equal((await index.search('route a request', { mode: 'hybrid' }))[0]?.path, 'src/routes.ts');

    assert.equal((await index.update()).changed, 0, 'nothing changed, nothing read');
    writeFileSync(join(root, 'src', 'routes.ts'), 'export function routeByTier(tier: string) {}\n');
    utimesSync(join(root, 'src', 'routes.ts'), new Date(), new Date(Date.now() + 5000));
    rmSync(join(root, 'src', 'power.ts'));
    const third = await index.update();
    assert.deepEqual([third.changed, third.removed, third.files], [1, 1, 1]);
    assert.equal((await index.search('tier')).at(0)?.path, 'src/routes.ts');
    index.close();
  });

  it('answers MCP initialize, tools/list and tools/call; a bad call is an error result, not a crash', async () => {
    const index = new CodeIndex(root, join(home, 'm.sqlite'));
    const opts = { mode: 'bm25' as const, version: 't' };
    const init = await handleMcpRequest(
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18' } },
      index,
      opts,
    );
    assert.deepEqual((init!.result as { protocolVersion: string }).protocolVersion, '2025-06-18');
    assert.equal(
      await handleMcpRequest({ jsonrpc: '2.0', method: 'notifications/initialized' }, index, opts),
      undefined,
    );
    const list = await handleMcpRequest({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, index, opts);
    assert.deepEqual(
      (list!.result as { tools: { name: string }[] }).tools.map((t) => t.name),
      ['search_code', 'related_files'],
    );
    const call = await handleMcpRequest(
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'search_code', arguments: { query: 'tier' } },
      },
      index,
      opts,
    );
    assert.match(
      (call!.result as { content: { text: string }[] }).content[0]!.text,
      /src\/routes\.ts:1-1 \(routeByTier\)/,
    );
    const bad = await handleMcpRequest(
      {
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'search_code', arguments: { query: 3 } },
      },
      index,
      opts,
    );
    assert.equal((bad!.result as { isError: boolean }).isError, true);
    index.close();
  });
});
