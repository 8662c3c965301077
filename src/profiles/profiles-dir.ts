import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the hardware profiles live: `OPS_PROFILES_DIR` when set, else `hardware-profiles/` at the repository root,
 * found from this file's location so the CLI works from any working directory.
 */
export function defaultProfilesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OPS_PROFILES_DIR) return resolve(env.OPS_PROFILES_DIR);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'hardware-profiles');
}
