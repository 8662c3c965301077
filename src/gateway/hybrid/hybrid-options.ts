import { OpsError } from '../../core/errors.js';
import type { TaskRule } from './task-rules.js';

/**
 * Where requests go when a cloud API is configured beside the local engines:
 * - `local-only` (default): never the cloud;
 * - `local-first`: the cloud only when local is down, overloaded, or the prompt fits no local context;
 * - `cloud-first`: local only when the cloud is unreachable or the weekly cap is spent.
 */
export type HybridMode = 'local-only' | 'local-first' | 'cloud-first';

/** A weekly allowance of cloud use; whichever limit is reached first closes the cloud until next Monday (UTC). */
export interface WeeklyCap {
  /** Input + output tokens per week. */
  tokens?: number;
  /** Dollars per week, priced with the two rates below. */
  usd?: number;
  /** Defaults are Claude Sonnet 4.5's list prices, $3 / $15 per million tokens (anthropic.com/pricing). */
  inputUsdPerMTok?: number;
  outputUsdPerMTok?: number;
  /** Already spent this week when the gateway starts (the ledger knows; the gateway does not persist it). */
  spentTokens?: number;
  spentUsd?: number;
}

/** The gateway's cloud section (GatewayOptions.cloud). Only `mode` is required. */
export interface CloudOptions {
  mode: HybridMode;
  /** Anthropic API root without `/v1` (default `https://api.anthropic.com`). */
  baseUrl?: string;
  /** Environment variable holding the API key, read once at start and never logged (default `ANTHROPIC_API_KEY`). */
  apiKeyEnv?: string;
  /** Model sent to the cloud when the client asked for a local name rather than a `claude-*` one. */
  defaultModel?: string;
  /**
   * local-first: a request goes to the cloud when this many already wait for the local slot
   * (default: the local queue bound, i.e. exactly when local would answer 529).
   */
  overflowQueueDepth?: number;
  weeklyCap?: WeeklyCap;
  /** How long an upstream that refused a connection is skipped before it is tried again (default 10 s). */
  retryDownAfterMs?: number;
  /** Sent as `anthropic-version` when the client sent none (default `2023-06-01`, the current one). */
  anthropicVersion?: string;
  /** Routing by task: the first matching rule decides local or cloud (see `decideTarget`). */
  rules?: readonly TaskRule[];
}

/** CloudOptions with defaults applied and the key read. */
export interface ResolvedCloud {
  mode: Exclude<HybridMode, 'local-only'>;
  baseUrl: string;
  apiKey: string;
  defaultModel: string;
  overflowQueueDepth: number;
  weeklyCap: WeeklyCap;
  retryDownAfterMs: number;
  anthropicVersion: string;
  rules: readonly TaskRule[];
}

export const DEFAULT_CLOUD_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_CLOUD_MODEL = 'claude-sonnet-4-5';

/**
 * Applies defaults and reads the key from `env`; undefined for `local-only` (no cloud at all). Throws an
 * OpsError when a cloud mode is asked for without a key or with a malformed URL.
 */
export function resolveCloudOptions(
  options: CloudOptions | undefined,
  maxQueuedPerUpstream: number,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedCloud | undefined {
  if (!options || options.mode === 'local-only') return undefined;
  const keyVar = options.apiKeyEnv ?? 'ANTHROPIC_API_KEY';
  const apiKey = env[keyVar];
  if (!apiKey) {
    throw new OpsError(`cloud mode ${options.mode} needs an API key in $${keyVar}, which is not set`, {
      hint: `export ${keyVar}=… before starting the gateway, or set gateway cloud mode to local-only`,
    });
  }
  const baseUrl = (options.baseUrl ?? DEFAULT_CLOUD_BASE_URL).replace(/\/+$/, '').replace(/\/v1$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new OpsError(`cloud baseUrl ${JSON.stringify(options.baseUrl)} is not a URL`, {
      hint: `use e.g. ${DEFAULT_CLOUD_BASE_URL}`,
    });
  }
  return {
    mode: options.mode,
    baseUrl,
    apiKey,
    defaultModel: options.defaultModel ?? DEFAULT_CLOUD_MODEL,
    overflowQueueDepth: options.overflowQueueDepth ?? maxQueuedPerUpstream,
    weeklyCap: options.weeklyCap ?? {},
    retryDownAfterMs: options.retryDownAfterMs ?? 10_000,
    anthropicVersion: options.anthropicVersion ?? '2023-06-01',
    rules: options.rules ?? [],
  };
}
