import { OpsError } from '../core/errors.js';
import type { Profile } from '../profiles/types.js';
import { DEFAULT_KV_CACHE_TYPES } from './coding-policy.js';
import type { Intent, Priority } from './types.js';

/** What `ops plan` flags can say about the intent; anything absent comes from the hardware profile. */
export interface IntentFlags {
  context?: number;
  agents?: number;
  priority?: string;
  /** `builtin`, `hf`, or both. */
  sources?: string[];
  models?: string[];
}

/** Source names a user may type; `hub` is an alias of `hf`. */
const SOURCE_NAMES: Record<string, 'hf' | 'builtin'> = { hf: 'hf', hub: 'hf', builtin: 'builtin' };

/**
 * Sources planned by default: hub models only, on every machine. The built-in smoke models have random weights:
 * they exist for `make demo` and the tests and are planned only when asked for (`--sources builtin`), never
 * offered as a coder otherwise (a CPU-only box gets a real small coder that fits its RAM, and is told to pull it).
 */
export const DEFAULT_SOURCES: readonly ('hf' | 'builtin')[] = ['hf'];

/** Source names as a user types them (`builtin`, `hf`, `hub`), checked; OpsError (exit 2) on an unknown one. */
export function parseSources(names: readonly string[], flag = '--sources'): ('hf' | 'builtin')[] {
  return [
    ...new Set(
      names.map((s) => {
        const known = SOURCE_NAMES[s.trim().toLowerCase()];
        if (!known)
          throw new OpsError(`${flag}: unknown model source ${s}`, {
            hint: 'use builtin (the smoke models, no download), hf (or hub)',
            exitCode: 2,
          });
        return known;
      }),
    ),
  ];
}

/**
 * The intent for a plan (pure): flags win, then the profile's defaults (context per agent, concurrency); both
 * coder roles; every KV cache type allowed (f16 preferred). Throws OpsError (exit 2) on a malformed flag.
 */
export function intentFromDefaults(profile: Pick<Profile, 'id' | 'defaults'>, flags: IntentFlags): Intent {
  const priority = (flags.priority ?? 'quality') as Priority;
  if (priority !== 'quality' && priority !== 'speed') {
    throw new OpsError(`--priority must be quality or speed, got ${flags.priority}`, { exitCode: 2 });
  }
  const positive = (value: number | undefined, flag: string) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new OpsError(`${flag} must be a positive whole number, got ${value}`, { exitCode: 2 });
    }
    return value;
  };
  const context = positive(flags.context, '--context') ?? profile.defaults.contextTokens;
  if (context < 256)
    throw new OpsError(`--context must be at least 256 tokens, got ${context}`, { exitCode: 2 });
  const sources = flags.sources?.length ? parseSources(flags.sources) : [...DEFAULT_SOURCES];
  return {
    priority,
    contextLength: context,
    agents: positive(flags.agents, '--agents') ?? profile.defaults.concurrency,
    roles: ['quality-coder', 'fast-coder'],
    kvCacheTypes: [...DEFAULT_KV_CACHE_TYPES],
    sources,
    ...(flags.models?.length ? { models: flags.models } : {}),
  };
}
