import { z } from 'zod';

/**
 * The hardware profile file format (`hardware-profiles/*.yaml`): the criteria that select a profile and the defaults
 * that follow from it. Each criterion is one condition on the usable GPUs; a rule holds when all its conditions hold,
 * and a profile matches when any of its rules holds.
 */
const gib = z.number().min(0);
const count = z.number().int().min(0);

export const GPU_CLASSES = ['consumer', 'workstation', 'datacenter', 'unknown'] as const;

export const profileRuleSchema = z
  .strictObject({
    /** Usable GPUs (driver loaded, enough VRAM; see usable-gpus.ts). */
    minGpuCount: count.optional(),
    maxGpuCount: count.optional(),
    /** Sum of VRAM over usable GPUs, in GiB. */
    minTotalVramGiB: gib.optional(),
    maxTotalVramGiB: gib.optional(),
    /** VRAM of the largest usable GPU, in GiB. */
    minLargestGpuVramGiB: gib.optional(),
    maxLargestGpuVramGiB: gib.optional(),
    /** At least one usable GPU is of one of these classes. */
    anyGpuClass: z.array(z.enum(GPU_CLASSES)).min(1).optional(),
  })
  .refine(
    (r) => Object.keys(r).length > 0,
    'a rule needs at least one condition (an empty rule would match anything)',
  );

const usd = z.number().min(0);

export const profileSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be lowercase letters, digits and dashes, starting with a letter'),
  title: z.string().min(1),
  description: z.string().default(''),
  /** Profiles are tried from the highest priority down; the first whose rules match is chosen. */
  priority: z.number().int(),
  match: z.array(profileRuleSchema).min(1),
  /**
   * How much work the box is sized for: context per agent and concurrent agents (the planner's default intent), and
   * its power draw. Models and engines are not listed here: the planner chooses them from the catalog by fit.
   */
  defaults: z.strictObject({
    contextTokens: z.number().int().min(256),
    concurrency: z.number().int().min(1),
    /** Typical whole-system draw under inference load, for energy estimates before measurements exist. */
    typicalPowerW: z.number().min(0),
  }),
  tco: z
    .strictObject({
      hardwareCostUsd: z.strictObject({ low: usd, high: usd, typical: usd }),
      lifetimeYears: z.number().gt(0).max(20),
      electricityUsdPerMonth: usd,
      maintenanceUsdPerYear: usd,
    })
    .refine((t) => t.hardwareCostUsd.low <= t.hardwareCostUsd.high, {
      message: 'hardwareCostUsd.low must not exceed hardwareCostUsd.high',
      path: ['hardwareCostUsd'],
    }),
});

export type ProfileRule = z.infer<typeof profileRuleSchema>;
/** A hardware profile as loaded (validated, defaults applied), with the file it came from. */
export type Profile = z.infer<typeof profileSchema> & { file: string };

/** The outcome of classification: which profile, why, and what looked odd. */
export interface Classification {
  id: string;
  reasons: string[];
  warnings: string[];
}
