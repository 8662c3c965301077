import { OpsError } from '../core/errors.js';
import { detectInventory } from '../detect/detect-inventory.js';
import { classify } from '../profiles/classify.js';
import type { Profile } from '../profiles/types.js';

/** The profile named in the config (or on the command line), else the one this machine's hardware selects. */
export async function resolveProfile(profiles: Profile[], id: string | undefined): Promise<Profile> {
  if (id !== undefined) {
    const found = profiles.find((p) => p.id === id);
    if (!found) {
      throw new OpsError(`no hardware profile "${id}"`, {
        exitCode: 2,
        hint: `use one of: ${profiles.map((p) => p.id).join(', ')} (config.yaml \`profile:\` or --profile)`,
      });
    }
    return found;
  }
  const classification = classify(await detectInventory(), profiles);
  return profiles.find((p) => p.id === classification.id)!;
}
