import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { OpsError, ValidationError } from '../core/errors.js';
import { readYamlFile } from '../core/read-yaml-file.js';
import { formatPath } from '../core/validation.js';

/** The file in a catalog directory that names its version (catalog/version.yaml). */
export const CATALOG_VERSION_FILE = 'version.yaml';

/** A catalog's version (dotted integers, compared number by number) and the day it was made. */
export const catalogVersionSchema = z
  .object({
    version: z.string().regex(/^\d+(\.\d+)*$/, 'dotted integers, e.g. 2026.12.0'),
    // YAML reads an unquoted 2026-12-02 as a date; both forms are accepted and kept as YYYY-MM-DD.
    date: z.union([z.string(), z.date()]).transform((d, ctx) => {
      const text = d instanceof Date ? d.toISOString().slice(0, 10) : d;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) ctx.addIssue({ code: 'custom', message: 'a date YYYY-MM-DD' });
      return text;
    }),
  })
  .strict();
export type CatalogVersion = z.infer<typeof catalogVersionSchema>;

/** Parses the version document of a catalog (pure); `source` names it in errors. */
export function parseCatalogVersion(doc: unknown, source: string): CatalogVersion {
  const parsed = catalogVersionSchema.safeParse(doc);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    source,
    parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    { hint: 'a catalog names its version in version.yaml: `version: 2026.12.0` and `date: 2026-12-02`' },
  );
}

/** Reads `version.yaml` of a catalog directory. */
export function readCatalogVersion(dir: string): CatalogVersion {
  const file = join(dir, CATALOG_VERSION_FILE);
  if (!existsSync(file))
    throw new OpsError(`the catalog in ${dir} has no ${CATALOG_VERSION_FILE}`, {
      exitCode: 2,
      hint: 'every catalog names its version there; reinstall ops or run `ops catalog update` again',
    });
  return parseCatalogVersion(readYamlFile(file, 'catalog version', 'see catalog/version.yaml'), file);
}

/** Negative when `a` is older than `b`, 0 when the same, positive when newer (by version, then date). Pure. */
export function compareCatalogVersions(a: CatalogVersion, b: CatalogVersion): number {
  const x = a.version.split('.').map(Number);
  const y = b.version.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
}
