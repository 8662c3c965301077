import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAgentCommand } from './agent.js';
import { registerBundleCommands } from './bundle.js';
import { registerDeployCommand } from './deploy.js';
import { registerDeploymentCommands } from './deployment.js';
import { registerDetectCommand } from './detect.js';
import { registerDoctorCommand } from './doctor.js';
import { registerGatewayCommand } from './gateway.js';
import { registerImagesCommands } from './images.js';
import { registerLedgerCommands } from './ledger.js';
import { registerModelsCommands } from './models.js';
import { registerPlanCommand } from './plan.js';
import { registerReportCommand } from './report.js';
import { registerSetupCommand } from './setup.js';
import { registerUpgradeCommands } from './upgrade.js';

/** Each command file exports `register(program, getContext)`; this is the one list of them. */
export type RegisterCommand = (program: Command, getContext: () => CliContext) => void;

// The order of `ops --help`: the three doors first (setup, upgrade-models, report), then what an operator uses.
const commands: RegisterCommand[] = [
  registerSetupCommand,
  registerUpgradeCommands,
  registerReportCommand,
  registerDeploymentCommands,
  registerDetectCommand,
  registerPlanCommand,
  registerModelsCommands,
  registerImagesCommands,
  registerBundleCommands,
  registerGatewayCommand,
  registerAgentCommand,
  registerLedgerCommands,
  registerDoctorCommand,
  registerDeployCommand,
];

export function registerCommands(program: Command, getContext: () => CliContext): void {
  for (const register of commands) register(program, getContext);
}
