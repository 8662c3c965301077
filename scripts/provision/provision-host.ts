#!/usr/bin/env -S node --import tsx
/**
 * Provisions this host by the step list in src/setup/provision-steps.ts, without the rest of `ops setup` (for
 * fleets: copy the checkout to a box and run it there). The steps are data; this zx script probes the box with
 * scripts/provision/probe-host.sh, decides, and runs the pending steps' commands through zx.
 *   node --import tsx scripts/provision/provision-host.ts [--dry-run] [--driver-pin 550] [--debs DIR] [--host-cuda]
 */
import { argv, chalk } from 'zx';
import { attachConsoleReporter } from '../../src/core/console-reporter.js';
import { EventBus } from '../../src/core/events.js';
import { decideSteps, formatDecisions } from '../../src/setup/decide-steps.js';
import { probeHost } from '../../src/setup/probe-host.js';
import type { ProvisionOptions } from '../../src/setup/provision-types.js';
import { localShell } from '../../src/setup/shell.js';
import { runProvisioning } from '../../src/setup/step-runner.js';

const options: ProvisionOptions = {
  driver: {
    flavour: argv['driver-flavour'] === 'proprietary' ? 'proprietary' : 'open',
    replace: Boolean(argv['replace-driver']),
    ...(argv['driver-pin'] ? { pin: String(argv['driver-pin']) } : {}),
  },
  hostCuda: Boolean(argv['host-cuda']),
  ...(argv.debs ? { debDir: String(argv.debs) } : {}),
  gatewayHost: String(argv['gateway-host'] ?? '127.0.0.1'),
  gatewayPort: Number(argv['gateway-port'] ?? 8080),
};
const shell = localShell();
if (argv['dry-run']) {
  const facts = await probeHost(localShell({ asRoot: false }));
  console.log(chalk.bold(`${facts.distro.pretty}:`));
  console.log(formatDecisions(decideSteps(facts, options)).join('\n'));
} else {
  const bus = new EventBus();
  attachConsoleReporter(bus);
  const outcome = await runProvisioning({ shell, probe: () => probeHost(shell), options, bus });
  if (outcome.rebootRequired) {
    console.log(chalk.yellow(outcome.rebootRequired));
    process.exit(75);
  }
  console.log(chalk.green('host provisioned'));
}
