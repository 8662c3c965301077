import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** How to install the Pulumi CLI, from Pulumi's install docs (official script, then package managers). */
export const PULUMI_INSTALL_HINT =
  'install the Pulumi CLI: `curl -fsSL https://get.pulumi.com | sh` (official script), or `brew install pulumi/tap/pulumi`, ' +
  'or `winget install pulumi`; then run the command again. A single host needs no Pulumi: `ops up --plan FILE`';

/**
 * Where the Pulumi CLI is: each directory of PATH, then `~/.pulumi/bin` (where the install script puts it).
 * Returns the path of the executable, or undefined.
 */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env, home = homedir()): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), join(home, '.pulumi', 'bin')];
  for (const dir of dirs) {
    const candidate = join(dir, 'pulumi');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next place
    }
  }
  return undefined;
}
