import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerDeployCommand } from './deploy.js';
import { registerDeploymentCommands } from './deployment.js';
import { registerDetectCommand } from './detect.js';
import { registerGatewayCommand } from './gateway.js';
import { registerImagesCommands } from './images.js';
import { registerModelsCommands } from './models.js';
import { registerPlanCommand } from './plan.js';

/** Each command file exports `register(program, getContext)`; this is the one list of them. */
export type RegisterCommand = (program: Command, getContext: () => CliContext) => void;

const commands: RegisterCommand[] = [
  registerDeployCommand,
  registerDeploymentCommands,
  registerDetectCommand,
  registerGatewayCommand,
  registerImagesCommands,
  registerModelsCommands,
  registerPlanCommand,
];

export function registerCommands(program: Command, getContext: () => CliContext): void {
  for (const register of commands) register(program, getContext);
}
