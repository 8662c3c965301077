import { existsSync } from 'node:fs';
import { OpsError } from '../core/errors.js';
import type { StateDir } from '../core/state-dir.js';
import { apiKeysFromEnv } from '../gateway/auth.js';
import { readPlanDocument } from '../plan/load-plan.js';
import type { EvalApi, ModelEndpoint } from './model-client.js';

/** Anthropic's public API, for `--baseline anthropic` only (a cloud run needs a key and a network). */
const ANTHROPIC_API_URL = 'https://api.anthropic.com';

export interface TargetOptions {
  gateway?: string;
  model?: string;
  api?: EvalApi;
  baseline?: string;
  baselineModel?: string;
}

/**
 * Where the eval sends its requests: the gateway (given, or the current Plan's) with a model it serves, or for
 * `--baseline anthropic` the cloud with ANTHROPIC_API_KEY. Reads the Plan as a document: no host checks.
 */
export function resolveEvalTarget(
  state: StateDir,
  options: TargetOptions,
  env: NodeJS.ProcessEnv = process.env,
): { endpoint: ModelEndpoint; target: 'local' | 'baseline' } {
  if (options.baseline !== undefined) {
    if (options.baseline !== 'anthropic') {
      throw new OpsError(`unknown baseline ${options.baseline}`, {
        exitCode: 2,
        hint: 'the one baseline is `anthropic`',
      });
    }
    const apiKey = env.ANTHROPIC_API_KEY;
    if (!apiKey) {
      throw new OpsError('--baseline anthropic needs ANTHROPIC_API_KEY and a network', {
        exitCode: 2,
        hint: 'run it once on a machine with internet access and a key; the result is stored in the ledger',
      });
    }
    return {
      endpoint: {
        url: env.OPS_BASELINE_URL ?? ANTHROPIC_API_URL,
        api: 'anthropic',
        model: options.baselineModel ?? 'claude-sonnet-4-5',
        apiKey,
      },
      target: 'baseline',
    };
  }
  const plan = existsSync(state.planFile)
    ? (readPlanDocument(state.planFile) as {
        engines?: { name?: string }[];
        gateway?: { host?: string; port?: number };
      })
    : undefined;
  let url = options.gateway;
  if (!url && plan) {
    const host = plan.gateway?.host && plan.gateway.host !== '0.0.0.0' ? plan.gateway.host : '127.0.0.1';
    url = `http://${host}:${plan.gateway?.port ?? 8080}`;
  }
  if (!url) {
    throw new OpsError('no gateway to evaluate', {
      exitCode: 2,
      hint: 'bring a deployment up (ops up) or pass --gateway http://HOST:PORT',
    });
  }
  const model = options.model ?? plan?.engines?.[0]?.name;
  if (!model)
    throw new OpsError('no model to evaluate', {
      exitCode: 2,
      hint: 'pass --model NAME (an alias or engine name)',
    });
  const apiKey = apiKeysFromEnv(env)[0] ?? 'local';
  return { endpoint: { url, api: options.api ?? 'openai', model, apiKey }, target: 'local' };
}
