import type { UsageRecord } from '../types.js';

/**
 * Decode speed per upstream measured from the streams this gateway served: (output tokens − 1) over the time
 * from the first token to the end, as an exponential moving average. Only streams say when the first token
 * came; a complete answer's latency mixes prompt processing in and is not used.
 */
export class ServedSpeed {
  private readonly rates = new Map<string, number>();

  constructor(private readonly weight = 0.2) {}

  /** Takes one usage record into the average of its upstream (ignores what says nothing about decode speed). */
  observe(r: UsageRecord): void {
    if (!r.stream || r.cached || r.status !== 200 || r.ttftMs === null || r.outputTokens < 2) return;
    const decodeMs = r.latencyMs - r.ttftMs;
    if (decodeMs <= 0) return;
    const rate = ((r.outputTokens - 1) * 1000) / decodeMs;
    const before = this.rates.get(r.upstream);
    this.rates.set(r.upstream, before === undefined ? rate : before * (1 - this.weight) + rate * this.weight);
  }

  /** Tokens per second of one upstream's streams, or undefined before it served one. */
  tokensPerSecond(upstream: string): number | undefined {
    return this.rates.get(upstream);
  }
}
