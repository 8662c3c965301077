import type { WeeklyCap } from './hybrid-options.js';

const DEFAULT_INPUT_USD_PER_MTOK = 3;
const DEFAULT_OUTPUT_USD_PER_MTOK = 15;
const WEEK_MS = 7 * 24 * 3600_000;

/** Start of the week holding `at`: Monday 00:00 UTC (ISO 8601 weeks). */
export function weekStartMs(at: number): number {
  const d = new Date(at);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - day * 24 * 3600_000;
}

/** Cloud use in the current week against a cap; starts over each Monday (UTC). In memory only. */
export class CloudBudget {
  private week: number;
  private tokens: number;
  private usd: number;

  constructor(
    private readonly cap: WeeklyCap,
    private readonly now: () => number = Date.now,
  ) {
    this.week = weekStartMs(now());
    this.tokens = cap.spentTokens ?? 0;
    this.usd = cap.spentUsd ?? 0;
  }

  /** Adds one cloud request's tokens. */
  record(inputTokens: number, outputTokens: number): void {
    this.roll();
    this.tokens += inputTokens + outputTokens;
    this.usd +=
      (inputTokens * (this.cap.inputUsdPerMTok ?? DEFAULT_INPUT_USD_PER_MTOK) +
        outputTokens * (this.cap.outputUsdPerMTok ?? DEFAULT_OUTPUT_USD_PER_MTOK)) /
      1e6;
  }

  /** Whether either limit is reached this week. */
  spent(): boolean {
    this.roll();
    if (this.cap.tokens !== undefined && this.tokens >= this.cap.tokens) return true;
    return this.cap.usd !== undefined && this.usd >= this.cap.usd;
  }

  /** This week's spend so far. */
  spending(): { tokens: number; usd: number; weekStart: string } {
    this.roll();
    return { tokens: this.tokens, usd: this.usd, weekStart: new Date(this.week).toISOString() };
  }

  private roll(): void {
    const now = this.now();
    if (now - this.week < WEEK_MS) return;
    this.week = weekStartMs(now);
    this.tokens = 0;
    this.usd = 0;
  }
}
