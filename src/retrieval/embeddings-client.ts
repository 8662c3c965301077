import { OpsError } from '../core/errors.js';
import { type HttpResponse, httpRequest } from '../http/http-client.js';

/**
 * Vectors from a local embedding engine: llama-server started with `--embeddings` serves the OpenAI-compatible
 * `POST /v1/embeddings` (input: string[]). Batches keep each request small enough for its context.
 */
export interface Embedder {
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

const BATCH = 16;
/** Characters per input: an embedding model's context is short, and the start of a chunk names what it is. */
const MAX_CHARS = 2000;

export function httpEmbedder(
  baseUrl: string,
  options: { model?: string; timeoutMs?: number; maxChars?: number } = {},
): Embedder {
  const url = `${baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/embeddings`;
  return {
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const input = texts.slice(i, i + BATCH).map((t) => t.slice(0, options.maxChars ?? MAX_CHARS));
        let res: HttpResponse;
        try {
          res = await httpRequest(url, {
            json: { input, model: options.model ?? 'embeddings' },
            timeoutMs: options.timeoutMs ?? 120_000,
          });
        } catch (cause) {
          throw new OpsError(`the embedding engine at ${url} did not answer`, {
            cause,
            hint: 'start a llama.cpp entry with args: ["--embeddings"] (ops up), or search with --mode bm25',
          });
        }
        if (!res.ok)
          throw new OpsError(`the embedding engine at ${url} answered ${res.status}`, {
            hint: `${(await res.text()).slice(0, 300)}; the engine needs --embeddings`,
          });
        const body = (await res.json()) as { data?: { index: number; embedding: number[] }[] };
        const data = [...(body.data ?? [])].sort((a, b) => a.index - b.index);
        if (data.length !== input.length)
          throw new OpsError(
            `the embedding engine returned ${data.length} vectors for ${input.length} inputs`,
          );
        for (const d of data) out.push(Float32Array.from(d.embedding));
      }
      return out;
    },
  };
}
