#!/usr/bin/env -S node --import tsx
/**
 * Provisions this host by the step list in src/setup/provision-steps.ts, without the rest of `ops setup` (for
 * fleets: copy the checkout to a box and run it there). The steps are data; this zx script probes the box with
 * scripts/provision/probe-host.sh, decides, and runs the pending steps' commands through zx.
 *   node --import tsx scripts/provision/provision-host.ts [--dry-run] [--driver-pin 580] [--driver-flavour auto|open|proprietary]
 *     [--upgrade-toolkit] [--debs DIR] [--host-cuda]
 */
import { argv, chalk } from 'zx';
import { attachConsoleReporter } from '../../src/core/console-reporter.js';
import { EventBus } from '../../src/core/events.js';
import { setupAnswersSchema } from '../../src/setup/answers.js';
import { decideSteps, formatDecisions } from '../../src/setup/decide-steps.js';
import { probeHost } from '../../src/setup/probe-host.js';
import { provisionOptions } from '../../src/setup/provision-options.js';
import type { ProvisionOptions } from '../../src/setup/provision-types.js';
import { localShell } from '../../src/setup/shell.js';
import { runProvisioning } from '../../src/setup/step-runner.js';

const facts = await probeHost(localShell({ asRoot: false }));
const flavour = String(argv['driver-flavour'] ?? 'auto');
// The GPUs nvidia-smi names decide the kernel-module flavour (driver-flavour.ts); a box without a driver yet
// needs --driver-flavour or ops setup (which reads the PCI bus too).
const options: ProvisionOptions = provisionOptions(
  setupAnswersSchema.parse({
    priority: 'quality',
    contextTokens: 4096,
    agents: 1,
    cloudFallback: false,
    electricityUsdPerKWh: 0,
    hardwareCostUsd: 0,
    driver: {
      flavour: flavour === 'open' || flavour === 'proprietary' ? flavour : 'auto',
      replace: Boolean(argv['replace-driver']),
      ...(argv['driver-pin'] ? { pin: String(argv['driver-pin']) } : {}),
    },
    upgradeToolkit: Boolean(argv['upgrade-toolkit']),
    hostCuda: Boolean(argv['host-cuda']),
    ...(argv.debs ? { offline: { debDir: String(argv.debs) } } : {}),
    gatewayHost: String(argv['gateway-host'] ?? '127.0.0.1'),
    gatewayPort: Number(argv['gateway-port'] ?? 8080),
  }),
  facts.gpus,
);
const shell = localShell();
if (argv['dry-run']) {
  console.log(chalk.bold(`${facts.distro.pretty}:`));
  console.log(formatDecisions(decideSteps(facts, options)).join('\n'));
} else {
  const bus = new EventBus();
  attachConsoleReporter(bus);
  const outcome = await runProvisioning({ shell, probe: () => probeHost(shell), options, bus });
  for (const line of outcome.manual) console.log(chalk.yellow(`by hand: ${line}`));
  if (outcome.rebootRequired) {
    console.log(chalk.yellow(outcome.rebootRequired));
    process.exit(75);
  }
  console.log(chalk.green('host provisioned'));
}
