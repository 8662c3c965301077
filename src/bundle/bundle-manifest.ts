import { z } from 'zod';
import { SUPPORTED_DISTROS } from '../setup/distro.js';
import { parseSha256Sums } from '../store/bundle-format.js';

/**
 * The box bundle: one tar holding `ops-box-bundle.json` (this manifest), `SHA256SUMS` (the same checksums in
 * `sha256sum -c` format, so a person can check a bundle without ops) and `parts/…`. Every part is named with its
 * size and sha256; install verifies all of them before it uses any.
 */
export const BOX_MANIFEST = 'ops-box-bundle.json';
export const BOX_SUMS = 'SHA256SUMS';
export const PARTS_DIR = 'parts';

export const PART_KINDS = [
  'plan',
  'image',
  'models',
  'catalog',
  'deb',
  'apt-index',
  'ops',
  'node-modules',
  'node',
  'installer',
] as const;
export type PartKind = (typeof PART_KINDS)[number];

const partSchema = z.strictObject({
  /** Path inside the bundle, under parts/ (apt names files with an epoch `2%3a1.02…`). */
  path: z
    .string()
    .regex(/^parts\/[A-Za-z0-9._+~%\-/]+$/)
    .refine((p) => !p.split('/').includes('..'), 'no ..'),
  kind: z.enum(PART_KINDS),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** What it is: an image reference, a package name, a model file. */
  what: z.string(),
});
export type BundlePart = z.infer<typeof partSchema>;

const manifestSchema = z.strictObject({
  format: z.literal('ops-box-bundle'),
  version: z.literal(1),
  createdAt: z.string(),
  distro: z.enum(SUPPORTED_DISTROS),
  arch: z.string(),
  deployment: z.string(),
  /** Which store blob each engine of the Plan loads (install points the Plan at the same blobs in its store). */
  models: z.array(z.strictObject({ engine: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  /** Packages to install from the bundle's repository, in order. */
  packages: z.array(z.string()),
  /** What the bundle should hold and does not (the user fetches it and passes --packages-dir next time). */
  missing: z.array(z.strictObject({ what: z.string(), why: z.string() })),
  parts: z.array(partSchema),
});
export type BoxManifest = z.infer<typeof manifestSchema>;

/** `sha256sum` lines for every part. */
export function boxSumsText(manifest: BoxManifest): string {
  return manifest.parts.map((p) => `${p.sha256}  ${p.path}\n`).join('');
}

/** Checks a manifest's shape, that parts are unique, and that SHA256SUMS says the same; returns problems. */
export function checkBoxManifest(
  raw: unknown,
  sumsText: string,
): { manifest?: BoxManifest; problems: string[] } {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success)
    return { problems: parsed.error.issues.map((i) => `${BOX_MANIFEST} ${i.path.join('.')}: ${i.message}`) };
  const problems: string[] = [];
  const seen = new Set<string>();
  const sums = parseSha256Sums(sumsText);
  for (const p of parsed.data.parts) {
    if (seen.has(p.path)) problems.push(`${p.path} is listed twice`);
    seen.add(p.path);
    if (sums.get(p.path) !== p.sha256)
      problems.push(`${BOX_SUMS} disagrees with ${BOX_MANIFEST} on ${p.path}`);
  }
  if (sums.size !== parsed.data.parts.length)
    problems.push(`${BOX_SUMS} lists other files than ${BOX_MANIFEST}`);
  return { manifest: parsed.data, problems };
}
