import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CodeChunk } from './types.js';

/**
 * The embedded index of one repository under `$OPS_HOME/retrieval/`: which files were indexed at which size and
 * mtime (so a re-index reads only what changed), their chunks, and each chunk's vector when an embedding engine
 * was there. One SQLite file; nothing leaves the machine.
 */
export interface StoredChunk extends CodeChunk {
  id: number;
  vector?: Float32Array;
}

export class IndexStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms REAL NOT NULL);
      CREATE TABLE IF NOT EXISTS chunks (
        id INTEGER PRIMARY KEY, path TEXT NOT NULL, start_line INTEGER NOT NULL, end_line INTEGER NOT NULL,
        kind TEXT NOT NULL, name TEXT, text TEXT NOT NULL, vector BLOB);
      CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
  }

  fileStamps(): Map<string, { size: number; mtimeMs: number }> {
    const rows = this.db.prepare('SELECT path, size, mtime_ms FROM files').all() as {
      path: string;
      size: number;
      mtime_ms: number;
    }[];
    return new Map(rows.map((r) => [r.path, { size: r.size, mtimeMs: r.mtime_ms }]));
  }

  /** Replaces a file's chunks (one transaction, so a crash leaves the old ones or the new ones). */
  replaceFile(
    path: string,
    stamp: { size: number; mtimeMs: number },
    chunks: readonly CodeChunk[],
    vectors?: Float32Array[],
  ): void {
    const insert = this.db.prepare(
      'INSERT INTO chunks (path, start_line, end_line, kind, name, text, vector) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM chunks WHERE path = ?').run(path);
      chunks.forEach((c, i) => {
        const v = vectors?.[i];
        insert.run(
          path,
          c.startLine,
          c.endLine,
          c.kind,
          c.name ?? null,
          c.text,
          v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : null,
        );
      });
      this.db
        .prepare(
          'INSERT INTO files (path, size, mtime_ms) VALUES (?, ?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms',
        )
        .run(path, stamp.size, stamp.mtimeMs);
    })();
  }

  removeFile(path: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM chunks WHERE path = ?').run(path);
      this.db.prepare('DELETE FROM files WHERE path = ?').run(path);
    })();
  }

  chunks(): StoredChunk[] {
    const rows = this.db.prepare('SELECT * FROM chunks ORDER BY id').all() as {
      id: number;
      path: string;
      start_line: number;
      end_line: number;
      kind: string;
      name: string | null;
      text: string;
      vector: Buffer | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      path: r.path,
      startLine: r.start_line,
      endLine: r.end_line,
      kind: r.kind,
      ...(r.name ? { name: r.name } : {}),
      text: r.text,
      ...(r.vector
        ? {
            vector: new Float32Array(
              r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength),
            ),
          }
        : {}),
    }));
  }

  meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)
      ?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  /** Drops every chunk and file (the embedding engine changed: old vectors are not comparable). */
  clear(): void {
    this.db.exec('DELETE FROM chunks; DELETE FROM files;');
  }

  close(): void {
    this.db.close();
  }
}
