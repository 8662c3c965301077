import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write.js';
import { ValidationError } from '../core/errors.js';
import { readYamlFile } from '../core/read-yaml-file.js';
import { zodProblems } from '../core/validation.js';
import type { Profile } from '../profiles/types.js';

const port = z.number().int().min(1).max(65535);

/**
 * The answers of the setup wizard: what matters to the user, plus the few provisioning choices. Saved in
 * `$OPS_HOME/setup/answers.yaml` so a re-run offers them as defaults; the same shape is `--config answers.yaml`.
 */
export const setupAnswersSchema = z.strictObject({
  /** quality: the best model that fits; speed: the fastest that is good enough. */
  priority: z.enum(['quality', 'speed']),
  /** Context per agent, in tokens. */
  contextTokens: z.number().int().min(256).max(10_000_000),
  /** Concurrent agents (parallel slots). */
  agents: z.number().int().min(1).max(1024),
  /** May the gateway send Anthropic traffic to the cloud when local engines are busy (needs ANTHROPIC_API_KEY)? */
  cloudFallback: z.boolean(),
  electricityUsdPerKWh: z.number().min(0).max(10),
  hardwareCostUsd: z.number().min(0),
  deployment: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'lowercase letters, digits and dashes (max 41)')
    .default('default'),
  gatewayHost: z.string().min(1).default('127.0.0.1'),
  gatewayPort: port.default(8080),
  /** First engine port. */
  portBase: port.default(8081),
  /** Model sources: hf (hub; the default), builtin (the random-weight smoke models: demos and tests). */
  sources: z
    .array(z.enum(['builtin', 'hf']))
    .min(1)
    .optional(),
  driver: z
    .strictObject({
      pin: z
        .string()
        .regex(/^\d{3}(\.\d+)*$/, 'a driver branch such as 550 or 550.127')
        .optional(),
      /** auto: open kernel modules where every card supports them, proprietary when a pre-Turing card needs them. */
      flavour: z.enum(['auto', 'open', 'proprietary']).default('auto'),
      replace: z.boolean().default(false),
    })
    .default({ flavour: 'auto', replace: false }),
  /** Consent to upgrade an installed NVIDIA Container Toolkit that lacks published security fixes. */
  upgradeToolkit: z.boolean().default(false),
  hostCuda: z.boolean().default(false),
  /**
   * Air-gapped installs: local `.deb` bundles and image tarballs (`docker load`), or a whole box bundle (`ops bundle
   * create`; `ops setup --bundle`), which then supplies packages, images, models and the Plan.
   */
  offline: z
    .strictObject({
      debDir: z.string().min(1).optional(),
      imageDir: z.string().min(1).optional(),
      bundle: z.string().min(1).optional(),
    })
    .optional(),
});

export type SetupAnswers = z.infer<typeof setupAnswersSchema>;
export type PartialAnswers = Partial<SetupAnswers>;

/** Hours in an average month (8760 / 12), for turning the profile's electricity per month into a price per kWh. */
const HOURS_PER_MONTH = 730;

/** Defaults from the hardware profile (pure): its context and concurrency, its typical cost and tariff. */
export function defaultAnswers(profile: Pick<Profile, 'defaults' | 'tco'>): SetupAnswers {
  const kWhPerMonth = (profile.defaults.typicalPowerW * HOURS_PER_MONTH) / 1000;
  const price = kWhPerMonth > 0 ? profile.tco.electricityUsdPerMonth / kWhPerMonth : 0.15;
  return setupAnswersSchema.parse({
    priority: 'quality',
    contextTokens: profile.defaults.contextTokens,
    agents: profile.defaults.concurrency,
    cloudFallback: false,
    electricityUsdPerKWh: Math.round(price * 100) / 100,
    hardwareCostUsd: profile.tco.hardwareCostUsd.typical,
  });
}

/** Later sources win field by field: defaults, then the saved answers, then `--config`, then flags. */
export function mergeAnswers(base: SetupAnswers, ...layers: (PartialAnswers | undefined)[]): SetupAnswers {
  let merged: Record<string, unknown> = { ...base };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const prev = merged[key];
      merged[key] =
        value && typeof value === 'object' && !Array.isArray(value) && prev && typeof prev === 'object'
          ? { ...prev, ...value }
          : value;
    }
  }
  const parsed = setupAnswersSchema.safeParse(merged);
  if (!parsed.success) throw new ValidationError('setup answers', zodProblems(parsed.error));
  merged = parsed.data;
  return merged as SetupAnswers;
}

/** Reads an answers file (`--config`, or the saved one); every field is optional, every problem reported. */
export function readAnswersFile(file: string): PartialAnswers {
  const doc = readYamlFile(
    file,
    'the setup answers file',
    'give --config a YAML file of answers, like the $OPS_HOME/setup/answers.yaml ops setup saves',
  );
  const parsed = setupAnswersSchema.partial().safeParse(doc ?? {});
  if (!parsed.success) {
    throw new ValidationError(file, zodProblems(parsed.error), {
      hint: 'the fields are those of $OPS_HOME/setup/answers.yaml (see README, "ops setup")',
    });
  }
  // partial() still fills nested defaults; keep only what the file said.
  const raw = (doc ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed.data).filter(([k]) => k in raw)) as PartialAnswers;
}

/** The saved answers, or undefined when setup never finished asking on this box. */
export function loadSavedAnswers(file: string): PartialAnswers | undefined {
  return existsSync(file) ? readAnswersFile(file) : undefined;
}

export function saveAnswers(file: string, answers: SetupAnswers): void {
  mkdirSync(dirname(file), { recursive: true });
  const text = `# Written by ops setup; a re-run offers these as defaults. Also valid for --config.\n${stringify(answers)}`;
  // Unchanged answers leave the file alone, so a repeated run changes nothing on disk.
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  writeFileAtomic(file, text);
}
