import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ValidationError, type ValidationProblem } from '../core/errors.js';
import type { StateDir } from '../core/state-dir.js';
import { zodProblems } from '../core/validation.js';
import { type OpsConfig, opsConfigSchema, type PriceList, pricesSchema } from './ops-config.js';

export const configPath = (state: Pick<StateDir, 'root'>): string => join(state.root, 'config.yaml');

/** Reads and validates `file` (defaults only when it does not exist); every problem is reported with its path. */
export function loadOpsConfig(file: string): OpsConfig {
  if (!existsSync(file)) return opsConfigSchema.parse({});
  return parseYaml(
    file,
    (value) => opsConfigSchema.safeParse(value ?? {}),
    'see the `ops report` section of the README for the fields',
  );
}

/** The default price list shipped in src/report/default-prices.yaml. */
export function loadDefaultPrices(): PriceList {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'report', 'default-prices.yaml');
  return parseYaml(file, (value) => pricesSchema.safeParse(value), 'restore src/report/default-prices.yaml');
}

function parseYaml<T>(
  file: string,
  validate: (
    value: unknown,
  ) => { success: true; data: T } | { success: false; error: import('zod').ZodError },
  hint: string,
): T {
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems: ValidationProblem[] = doc.errors.map((e) => ({
      path: e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '',
      message: e.message.split('\n')[0] ?? e.message,
    }));
    throw new ValidationError(file, problems, { hint });
  }
  const result = validate(doc.toJS());
  if (!result.success) throw new ValidationError(file, zodProblems(result.error), { hint });
  return result.data;
}
