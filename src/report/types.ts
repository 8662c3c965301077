import type { TcoResult } from '../tco/types.js';
import type { TokenCost } from './pricing.js';
import type { QualitySection } from './quality.js';

/** The monthly report, as computed (every renderer draws from this one object; `--format json` prints it). */
export interface MonthlyReport {
  month: string;
  /** [fromMs, toMs): the UTC month. */
  period: { from: string; to: string; fromMs: number; toMs: number; partial: boolean };
  generatedAt: string;
  profile: { id: string; title: string };
  uptime: UptimeSection;
  energy: EnergySection;
  tokens: TokensSection;
  latency: LatencySection;
  tco: TcoSection;
  modelChanges: ModelChangesSection;
  metrics: SuccessMetric[];
  /** Measured coding quality (ops eval) against the stored cloud baseline; absent for reports without eval data. */
  quality?: QualitySection;
  warnings: string[];
}

export interface UptimeSection {
  targetPercent: number;
  /** The probe target the headline is about (the gateway by default). */
  primaryTarget: string | null;
  /** Headline uptime; null when nothing was expected (monitoring had not started). */
  percent: number | null;
  downMinutes: number;
  targets: { target: string; expectedSlots: number; upSlots: number; percent: number | null }[];
  daily: { day: string; percent: number | null }[];
  incidents: Incident[];
}

export interface Incident {
  target: string;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  durationMinutes: number;
  /** Causes seen, most frequent first (probe errors; `no probe recorded …` when the box or agent was off). */
  causes: string[];
  /** The incident began before this month (it is cut at the month's start). */
  continuedFromPreviousMonth: boolean;
  /** The incident went on after this month (it is cut at the month's end). */
  continuesNextMonth: boolean;
}

export interface EnergyPart {
  kWh: number;
  costUsd: number;
}

export interface EnergySection {
  tariff: 'flat' | 'time-of-use';
  timezone: string;
  gpu: EnergyPart;
  cpu: EnergyPart;
  rest: EnergyPart;
  total: EnergyPart;
  byBand: ({ band: string; usdPerKWh: number } & EnergyPart)[];
  byDevice: ({ source: string; device: string } & EnergyPart)[];
  daily: ({ day: string } & EnergyPart)[];
  /** Hours with readings, and hours that should have had them (the difference is unknown energy, not zero). */
  measuredHours: number;
  expectedHours: number;
}

export interface TokenLine {
  model: string;
  route: 'local' | 'cloud';
  requests: number;
  /** The whole prompt; cache reads and writes are parts of it. */
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  /** The price-list entry these tokens were priced as. */
  pricedAs: string;
  /** Local: what the same tokens would have cost in the cloud. Cloud: what they did cost. Cache-aware. */
  costUsd: number;
  cost: TokenCost;
  /** The same tokens with every prompt token at the plain input rate (what a cache-blind estimate says). */
  uncachedCostUsd: number;
}

/** Tokens of one route: the prompt as a whole, its parts, and the output. */
export interface RouteTokens {
  requests: number;
  inputTokens: number;
  plainInputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
}

export interface TokensSection {
  byModel: TokenLine[];
  local: RouteTokens;
  cloud: RouteTokens;
  /** What the local tokens would have cost at the configured cloud prices, each kind of token at its rate. */
  cloudEquivalentUsd: number;
  /** The same with every prompt token at the input rate: what the savings would be overstated to without cache rates. */
  cloudEquivalentUncachedUsd: number;
  /** What the fallback traffic cost in the cloud. */
  cloudSpendUsd: number;
  /** Requests served locally / all requests; null when there were none. */
  localSharePercent: number | null;
  daily: { day: string; localTokens: number; cloudTokens: number }[];
  pricesAsOf: string | null;
  pricesSource: string | null;
  /** Tokens, savings and spend per routing decision (route, reason, task rule); see `src/report/routing.ts`. */
  byRouting?: RoutingLine[];
}

/** One routing decision's traffic in the month. */
export interface RoutingLine {
  route: 'local' | 'cloud';
  /** The gateway's reason (`local-preferred`, `local-overloaded`, `task-rule`, …) or `unrecorded`. */
  reason: string;
  /** The Plan's task rule that decided or was overridden; null when none. */
  rule: string | null;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** Local: the same tokens at cloud prices (saved). */
  savedUsd: number;
  /** Cloud: what they cost. */
  spentUsd: number;
}

export interface LatencySection {
  targetS: number;
  /** Successful requests measured (status < 400). */
  requests: number;
  failedRequests: number;
  averageMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  /** Requests slower than the target. */
  overTarget: number;
  byRoute: { route: 'local' | 'cloud'; requests: number; p50Ms: number | null; p95Ms: number | null }[];
}

export interface MonthCosts {
  month: string;
  electricityUsd: number;
  cloudEquivalentUsd: number;
  cloudSpendUsd: number;
}

export interface TcoSection {
  hardwareUsd: number;
  lifetimeYears: number;
  horizonMonths: number;
  startMonth: string;
  monthsInService: number;
  maintenanceUsdPerMonth: number;
  toDate: {
    hardwareAmortisedUsd: number;
    electricityUsd: number;
    maintenanceUsd: number;
    cloudSpendUsd: number;
    totalUsd: number;
    /** What running everything in the cloud would have cost (local tokens at cloud prices + the actual cloud spend). */
    cloudUsd: number;
    savingsUsd: number;
  };
  overHorizon: { totalUsd: number; cloudUsd: number; savingsUsd: number };
  /** This month's cost without the hardware: electricity + maintenance/12 + cloud spend. */
  monthlyCostAfterHardwareUsd: number;
  /** The first month whose cumulative cloud cost reaches the cumulative local cost (hardware paid up front). */
  breakEvenMonth: string | null;
  breakEvenProjected: boolean;
  /** Run rate used for the months after this one. */
  projectionPerMonth: Omit<MonthCosts, 'month'>;
  series: { month: string; cumLocalUsd: number; cumCloudUsd: number; projected: boolean }[];
  /** TCO over the hardware's lifetime at the run rate, term by term and year by year (as `ops tco` computes it). */
  lifetime: TcoResult;
}

export interface SuccessMetric {
  name: string;
  target: string;
  value: string;
  /** null when there is no data or no target. */
  met: boolean | null;
}

/** How an upgrade or rollback attempt ended; `unfinished` when only its start is in the ledger. */
export type ModelChangeOutcome = 'switched' | 'rolled-back' | 'failed' | 'unfinished';

/** One `ops upgrade-models` / `ops rollback` attempt (its events grouped by attempt id). */
export interface ModelChangeAttempt {
  id: string;
  deployment: string;
  action: 'upgrade' | 'rollback';
  strategy: string;
  start: string;
  startMs: number;
  /** When it switched, rolled back or failed; null when unfinished. */
  end: string | null;
  endMs: number | null;
  outcome: ModelChangeOutcome;
  /** Why it rolled back or failed. */
  reason: string | null;
  /** What the attempt set out to change, one line per engine entry. */
  changes: string[];
  /** Engine entries served before and after the switch (empty unless it switched). */
  from: string[];
  to: string[];
  durationMs: number | null;
  /** It began before this month (its first event is earlier than the month's start). */
  startedBeforeMonth: boolean;
  /** It ended after this month. */
  endedAfterMonth: boolean;
}

export interface ModelChangesSection {
  /** Attempts with at least one event in the month, oldest first. */
  attempts: ModelChangeAttempt[];
  switched: number;
  rolledBack: number;
  failed: number;
  unfinished: number;
}
