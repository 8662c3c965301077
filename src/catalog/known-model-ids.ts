import { closestNames } from '../core/closest-names.js';
import { OpsError } from '../core/errors.js';
import type { Catalog } from './types.js';

/** The ids of `--models`, each checked against the catalog: a typo is a usage error, not "nothing fits". */
export function knownModelIds(list: string, catalog: Pick<Catalog, 'models'>): string[] {
  const ids = list
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const known = catalog.models.map((m) => m.id);
  if (ids.length === 0)
    throw new OpsError('--models names no model', {
      hint: `catalog models: ${known.join(', ')}`,
      exitCode: 2,
    });
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length === 0) return ids;
  const hints = unknown.map((id) => {
    const close = closestNames(id, known);
    return close.length > 0 ? `${id}: did you mean ${close.join(', ')}?` : `${id}: nothing close`;
  });
  throw new OpsError(
    `--models: unknown model id${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (not in the catalog)`,
    { hint: `${hints.join('; ')}\ncatalog models: ${known.join(', ')}`, exitCode: 2 },
  );
}
