import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Bm25Index, tokenize } from './bm25.js';
import { chunkFile } from './chunker.js';
import type { Embedder } from './embeddings-client.js';
import { IndexStore, type StoredChunk } from './index-store.js';
import { cosine, reciprocalRankFusion, topK } from './rank-fusion.js';
import { listRepoFiles, tooLarge } from './repo-files.js';
import type { SearchHit, SearchMode } from './types.js';

export interface IndexStats {
  files: number;
  changed: number;
  removed: number;
  chunks: number;
  withVectors: number;
  elapsedMs: number;
}

/** Where a repository's index lives under the state directory. */
export function indexFileFor(opsHome: string, repoRoot: string): string {
  const id = createHash('sha256').update(resolve(repoRoot)).digest('hex').slice(0, 16);
  return join(opsHome, 'retrieval', `${id}.sqlite`);
}

/** Candidates each ranking contributes before fusion. */
const FUSION_DEPTH = 50;

/**
 * A repository's code index: incremental (only files whose size or mtime changed are read again; deleted files
 * leave), BM25 always, vectors when an embedder is given. Search ranks chunks by BM25, cosine or both fused, and
 * returns the best chunk per file so five hits are five files.
 */
export class CodeIndex {
  private readonly store: IndexStore;
  private cache?: { chunks: StoredChunk[]; bm25: Bm25Index };

  constructor(
    readonly root: string,
    indexFile: string,
    private readonly embedder?: Embedder,
    private readonly embedderId = 'none',
  ) {
    this.store = new IndexStore(indexFile);
  }

  async update(onProgress?: (done: number, total: number) => void): Promise<IndexStats> {
    const started = performance.now();
    if ((this.store.meta('embedder') ?? 'none') !== this.embedderId) {
      this.store.clear();
      this.store.setMeta('embedder', this.embedderId);
    }
    const files = await listRepoFiles(this.root);
    const known = this.store.fileStamps();
    let changed = 0;
    const present = new Set<string>();
    for (const [i, path] of files.entries()) {
      const s = statSync(join(this.root, path), { throwIfNoEntry: false });
      if (!s?.isFile() || tooLarge(s.size)) continue;
      present.add(path);
      const old = known.get(path);
      if (old && old.size === s.size && old.mtimeMs === s.mtimeMs) continue;
      const chunks = chunkFile(path, readFileSync(join(this.root, path), 'utf8'));
      const vectors = this.embedder
        ? await this.embedder.embed(chunks.map((c) => `${c.path}\n${c.name ?? ''}\n${c.text}`))
        : undefined;
      this.store.replaceFile(path, { size: s.size, mtimeMs: s.mtimeMs }, chunks, vectors);
      changed++;
      onProgress?.(i + 1, files.length);
    }
    let removed = 0;
    for (const path of known.keys()) {
      if (!present.has(path)) {
        this.store.removeFile(path);
        removed++;
      }
    }
    this.cache = undefined;
    const all = this.loaded().chunks;
    return {
      files: present.size,
      changed,
      removed,
      chunks: all.length,
      withVectors: all.filter((c) => c.vector).length,
      elapsedMs: performance.now() - started,
    };
  }

  async search(query: string, options: { mode?: SearchMode; limit?: number } = {}): Promise<SearchHit[]> {
    const { chunks, bm25 } = this.loaded();
    const mode = options.mode ?? (this.embedder ? 'hybrid' : 'bm25');
    const rankings: number[][] = [];
    if (mode !== 'vector') rankings.push(topK(bm25.scores(tokenize(query)), FUSION_DEPTH));
    if (mode !== 'bm25') {
      if (!this.embedder) throw new Error('vector search needs an embedding engine');
      const [q] = await this.embedder.embed([query]);
      const scores = chunks.map((c) => (c.vector && q ? cosine(q, c.vector) : 0));
      rankings.push(topK(scores, FUSION_DEPTH));
    }
    const fused = reciprocalRankFusion(rankings);
    return bestPerFile(chunks, fused, options.limit ?? 5);
  }

  /** Files that share the most distinctive vocabulary with a given file (itself excluded). */
  related(path: string, limit = 5): SearchHit[] {
    const { chunks, bm25 } = this.loaded();
    const own = chunks.filter((c) => c.path === path);
    if (own.length === 0) return [];
    // The file's identifiers, rarest first, stand in for a question about it.
    const terms = tokenize(own.map((c) => c.text).join('\n'));
    const counts = new Map<string, number>();
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
    const query = [...counts.keys()].slice(0, 400);
    const scores = bm25.scores(query);
    own.forEach((c) => {
      scores[chunks.indexOf(c)] = 0;
    });
    return bestPerFile(chunks, reciprocalRankFusion([topK(scores, FUSION_DEPTH * 4)]), limit);
  }

  close(): void {
    this.store.close();
  }

  private loaded(): { chunks: StoredChunk[]; bm25: Bm25Index } {
    if (!this.cache) {
      const chunks = this.store.chunks();
      const bm25 = new Bm25Index();
      // The path and the declared name are part of what a chunk is about.
      for (const c of chunks) bm25.add(tokenize(`${c.path} ${c.name ?? ''} ${c.text}`));
      this.cache = { chunks, bm25 };
    }
    return this.cache;
  }
}

function bestPerFile(chunks: readonly StoredChunk[], fused: Map<number, number>, limit: number): SearchHit[] {
  const byFile = new Map<string, SearchHit>();
  for (const [i, score] of [...fused.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])) {
    const c = chunks[i];
    if (!c || byFile.has(c.path)) continue;
    byFile.set(c.path, {
      path: c.path,
      startLine: c.startLine,
      endLine: c.endLine,
      ...(c.name ? { name: c.name } : {}),
      score: Number(score.toFixed(5)),
      preview: c.text.split('\n').slice(0, 6).join('\n'),
    });
    if (byFile.size >= limit) break;
  }
  return [...byFile.values()];
}
