import { createHash } from 'node:crypto';

interface Entry {
  body: string;
  expiresAt: number;
}

export interface ResponseCacheOptions {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
}

/**
 * Upstream answers to deterministic (temperature 0, non-streaming) requests, bounded by entries, bytes
 * and age; least recently used entries go first. Agents re-ask identical questions (retries, reruns).
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly options: ResponseCacheOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a request may be answered from the cache: temperature exactly 0 and not streamed. */
  static cacheable(request: { temperature?: unknown; stream?: unknown }): boolean {
    return request.temperature === 0 && !request.stream;
  }

  /** The key of an upstream request: the upstream's name and the exact JSON sent to it. */
  static key(upstream: string, upstreamBody: string): string {
    return createHash('sha256').update(upstream).update('\0').update(upstreamBody).digest('hex');
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.delete(key, entry);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.body;
  }

  set(key: string, body: string): void {
    const size = Buffer.byteLength(body);
    if (size > this.options.maxBytes) return;
    const old = this.entries.get(key);
    if (old) this.delete(key, old);
    this.entries.set(key, { body, expiresAt: this.now() + this.options.ttlMs });
    this.bytes += size;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && this.bytes <= this.options.maxBytes) break;
      this.delete(k, e);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= Buffer.byteLength(entry.body);
  }
}
