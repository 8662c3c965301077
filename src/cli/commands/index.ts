import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerDeploymentCommands } from './deployment.js';

/** Each command file exports `register(program, getContext)`; this is the one list of them. */
export type RegisterCommand = (program: Command, getContext: () => CliContext) => void;

const commands: RegisterCommand[] = [registerDeploymentCommands];

export function registerCommands(program: Command, getContext: () => CliContext): void {
  for (const register of commands) register(program, getContext);
}
