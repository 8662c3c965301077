/**
 * BM25 over code (pure). Identifiers are split the way people ask about them: `loadPlanForHost` and
 * `load_plan_for_host` both give load, plan, for, host (and the whole identifier, so an exact name still wins).
 * k1 = 1.2 and b = 0.75 are the usual defaults (Robertson and Zaragoza, "The Probabilistic Relevance Framework:
 * BM25 and Beyond", 2009).
 */
const K1 = 1.2;
const B = 0.75;
const STOP = new Set(
  'the a an of to in for on and or is are be by with as at it this that from which what where how does do when why into its'.split(
    ' ',
  ),
);

/** Terms of a text: identifiers, their camelCase/snake_case parts, lower-cased; stop words dropped. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of text.match(/[A-Za-z_$][\w$]*|\d+/g) ?? []) {
    const parts = word
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .split(/[\s_$]+/)
      .filter(Boolean)
      .map((p) => p.toLowerCase());
    const whole = word.toLowerCase();
    if (parts.length > 1 && !STOP.has(whole)) out.push(whole);
    for (const p of parts) if (p.length > 1 && !STOP.has(p)) out.push(stem(p));
  }
  return out;
}

/** A light suffix strip so "plans"/"planned"/"planning" meet "plan". */
function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** An index over documents given as term lists. */
export class Bm25Index {
  private readonly docTerms: Map<string, number>[] = [];
  private readonly lengths: number[] = [];
  private readonly docFreq = new Map<string, number>();
  private totalLength = 0;

  add(terms: readonly string[]): number {
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const t of tf.keys()) this.docFreq.set(t, (this.docFreq.get(t) ?? 0) + 1);
    this.docTerms.push(tf);
    this.lengths.push(terms.length);
    this.totalLength += terms.length;
    return this.docTerms.length - 1;
  }

  get size(): number {
    return this.docTerms.length;
  }

  /** Score of every document for the query terms (0 where none matches). */
  scores(query: readonly string[]): Float64Array {
    const n = this.docTerms.length;
    const out = new Float64Array(n);
    if (n === 0) return out;
    const avg = this.totalLength / n;
    for (const term of new Set(query)) {
      const df = this.docFreq.get(term);
      if (!df) continue;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let d = 0; d < n; d++) {
        const f = this.docTerms[d]?.get(term);
        if (!f) continue;
        const len = this.lengths[d] ?? 0;
        out[d] = (out[d] ?? 0) + (idf * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * len) / avg));
      }
    }
    return out;
  }
}
