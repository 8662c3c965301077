import type { CodeChunk } from './types.js';

/**
 * Language-aware chunking without a parser dependency: declarations at the top level (and methods one level in)
 * of TypeScript/JavaScript and Python are found by their opening line and ended by brace balance (C-like) or by
 * indentation (Python); everything else is cut into overlapping windows of lines. Tree-sitter grammars are not
 * used: they are native or WASM builds the offline box would have to carry, and for ranking files a declaration
 * boundary that is off by a comment line costs nothing.
 */

/** Lines per window for files without declarations, and their overlap. */
const WINDOW_LINES = 60;
const WINDOW_OVERLAP = 10;
/** A declaration longer than this is cut into windows too (one giant chunk dilutes BM25 and the embedding). */
const MAX_CHUNK_LINES = 150;

const C_LIKE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs|java|go|rs|c|h|cc|cpp|hpp|cs|kt|swift)$/;
const PYTHON = /\.py$/;

/** Declarations that open a chunk in C-like languages (optional export/async/public … prefixes). */
const C_DECL =
  /^(\s*)(?:export\s+(?:default\s+)?)?(?:(?:public|private|protected|static|async|abstract|readonly|pub|fn|func)\s+)*(function\*?|class|interface|type|enum|const|let|var|struct|impl|trait|fn|func)\s+([A-Za-z_$][\w$]*)/;
/** A method inside a class body (two-space or tab indentation). */
const C_METHOD =
  /^(\s{2,4}|\t)(?:(?:public|private|protected|static|async|get|set|readonly|override)\s+)*([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*(?::[^{]*)?\{\s*$/;
const PY_DECL = /^(\s*)(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)/;

/** Splits a file into chunks; `path` decides the language. */
export function chunkFile(path: string, text: string): CodeChunk[] {
  const lines = text.split('\n');
  let chunks: CodeChunk[];
  if (C_LIKE.test(path)) chunks = chunkCLike(path, lines);
  else if (PYTHON.test(path)) chunks = chunkPython(path, lines);
  else chunks = [];
  if (chunks.length === 0) return windows(path, lines, 1, lines.length, 'window');
  return chunks.flatMap((c) =>
    c.endLine - c.startLine + 1 > MAX_CHUNK_LINES
      ? windows(path, lines, c.startLine, c.endLine, c.kind, c.name)
      : [c],
  );
}

function chunkCLike(path: string, lines: string[]): CodeChunk[] {
  const chunks: CodeChunk[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const decl = C_DECL.exec(line);
    if (decl && (decl[1] ?? '').length === 0) {
      const start = withLeadingComments(lines, i);
      const end = blockEnd(lines, i);
      const kind = decl[2] === 'class' ? 'class' : decl[2]?.startsWith('function') ? 'function' : 'block';
      chunks.push(chunk(path, lines, start, end, kind, decl[3]));
      if (kind === 'class') chunks.push(...methodsOf(path, lines, i + 1, end - 1, decl[3]));
      i = end + 1;
      continue;
    }
    i++;
  }
  return chunks;
}

function methodsOf(path: string, lines: string[], from: number, to: number, owner?: string): CodeChunk[] {
  const out: CodeChunk[] = [];
  for (let i = from; i <= to; i++) {
    const m = C_METHOD.exec(lines[i] ?? '');
    if (!m || ['if', 'for', 'while', 'switch', 'catch'].includes(m[2] ?? '')) continue;
    const end = Math.min(blockEnd(lines, i), to);
    out.push(chunk(path, lines, withLeadingComments(lines, i), end, 'method', `${owner}.${m[2]}`));
    i = end;
  }
  return out;
}

/** Index of the line that closes the block opened on `start` (braces outside strings and comments). */
function blockEnd(lines: string[], start: number): number {
  let depth = 0;
  let opened = false;
  let inBlockComment = false;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] ?? '';
    let quote: string | undefined;
    for (let j = 0; j < line.length; j++) {
      const c = line[j];
      const next = line[j + 1];
      if (inBlockComment) {
        if (c === '*' && next === '/') {
          inBlockComment = false;
          j++;
        }
      } else if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === '/' && next === '/') break;
      else if (c === '/' && next === '*') {
        inBlockComment = true;
        j++;
      } else if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '{' || c === '(' || c === '[') {
        depth++;
        opened = true;
      } else if (c === '}' || c === ')' || c === ']') depth--;
    }
    // A one-line declaration (`type X = Y;`, `const a = 1;`) ends where it started.
    if ((opened && depth <= 0) || (!opened && /;\s*$/.test(line))) return i;
  }
  return lines.length - 1;
}

function chunkPython(path: string, lines: string[]): CodeChunk[] {
  const chunks: CodeChunk[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = PY_DECL.exec(lines[i] ?? '');
    if (!m) continue;
    const indent = (m[1] ?? '').length;
    if (indent > 4) continue;
    let end = i;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j] ?? '';
      if (l.trim() === '') continue;
      if (l.length - l.trimStart().length <= indent) break;
      end = j;
    }
    const kind = m[2] === 'class' ? 'class' : indent > 0 ? 'method' : 'function';
    chunks.push(chunk(path, lines, withLeadingComments(lines, i), end, kind, m[3]));
  }
  return chunks;
}

/** Comment and decorator lines right above a declaration belong to it (doc comments name what it is for). */
function withLeadingComments(lines: string[], i: number): number {
  let start = i;
  while (start > 0 && /^\s*(\/\/|\/\*|\*|#|@)/.test(lines[start - 1] ?? '')) start--;
  return start;
}

function windows(
  path: string,
  lines: string[],
  fromLine: number,
  toLine: number,
  kind: string,
  name?: string,
): CodeChunk[] {
  const out: CodeChunk[] = [];
  for (let start = fromLine; start <= toLine; start += WINDOW_LINES - WINDOW_OVERLAP) {
    const end = Math.min(toLine, start + WINDOW_LINES - 1);
    const text = lines.slice(start - 1, end).join('\n');
    if (text.trim())
      out.push({ path, startLine: start, endLine: end, kind, ...(name ? { name } : {}), text });
    if (end >= toLine) break;
  }
  return out;
}

function chunk(
  path: string,
  lines: string[],
  start: number,
  end: number,
  kind: string,
  name?: string,
): CodeChunk {
  return {
    path,
    startLine: start + 1,
    endLine: end + 1,
    kind,
    ...(name ? { name } : {}),
    text: lines.slice(start, end + 1).join('\n'),
  };
}
