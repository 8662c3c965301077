/** Domain types of code retrieval: chunks of source, their scores, and what a search returns. */

/** One retrievable piece of a file: a function, a class, a top-level block, or a window of lines. */
export interface CodeChunk {
  /** Path relative to the repository root, with `/` separators. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** What the chunker saw there (`function`, `class`, `method`, `block`, `window`). */
  kind: string;
  /** The declared name, when there is one. */
  name?: string;
  text: string;
}

export type SearchMode = 'bm25' | 'vector' | 'hybrid';

export interface SearchHit {
  path: string;
  startLine: number;
  endLine: number;
  name?: string;
  score: number;
  /** The first lines of the chunk, for the agent to judge it without opening the file. */
  preview: string;
}
