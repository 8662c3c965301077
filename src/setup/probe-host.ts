import { OpsError } from '../core/errors.js';
import { type HostFacts, parseHostFacts, probeScript } from './host-facts.js';
import type { Shell } from './shell.js';

/** Runs scripts/provision/probe-host.sh through a shell and parses what it prints. */
export async function probeHost(shell: Shell): Promise<HostFacts> {
  const result = await shell.run('bash -s', probeScript());
  if (result.exitCode !== 0 || !/^os\.id=/m.test(result.stdout)) {
    throw new OpsError(`probing ${shell.where} failed (exit ${result.exitCode})`, {
      hint:
        result.stderr.trim().split('\n').slice(-5).join('\n') ||
        'run scripts/provision/probe-host.sh by hand',
    });
  }
  return parseHostFacts(result.stdout);
}
